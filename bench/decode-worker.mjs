// The decode limit: read + gunzip + JSON.parse of log files, nothing else (no normalisation, no
// database). Plain JavaScript so worker threads need no TypeScript loader.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parentPort } from "node:worker_threads";

parentPort.on("message", (msg) => {
  if (msg.type !== "work") return;
  let records = 0;
  let raw = 0;
  const t = performance.now();
  for (const f of msg.files) {
    const bytes = readFileSync(f);
    const body = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    raw += body.length;
    let doc;
    try {
      doc = JSON.parse(body.toString("utf8"));
    } catch {
      continue; // not JSON (ConfigWritabilityCheckFile): read and dropped, like the sync does
    }
    if (doc && Array.isArray(doc.Records)) records += doc.Records.length;
  }
  parentPort.postMessage({ type: "done", records, raw, ms: performance.now() - t });
});
parentPort.postMessage({ type: "ready" });

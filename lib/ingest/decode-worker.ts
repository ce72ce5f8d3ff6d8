// Worker thread body: decodes objects (gunzip, JSON.parse, normalise to COPY lines) off the main
// thread, which then only reads files and feeds COPY.
import { parentPort } from "node:worker_threads";
import { decodeObject } from "./decode";

export interface DecodeRequest {
  id: number;
  key: string;
  bytes: Uint8Array;
  metadata?: Record<string, string>;
}

parentPort!.on("message", (req: DecodeRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, result: decodeObject(req.key, req.bytes, { metadata: req.metadata }) });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message });
  }
});

// Worker thread body: decodes objects (gunzip, JSON.parse, normalise to COPY lines) off the main
// thread, which then only reads files and feeds COPY.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { decodeObject } from "./decode";
import { sketchBuffers } from "../store/sketch";
import { installRanges } from "../enrich/enrich";
import type { CompactRanges, RangeTable } from "../enrich/ip-ranges";

export interface DecodeWorkerData {
  /**
   * The AWS IP ranges runSync classifies with (else the shipped ones): the main thread's lookup
   * table when it has built one (cloned, not rebuilt per worker), else the snapshot, built here on
   * first use.
   */
  awsIpRanges?: CompactRanges | RangeTable;
}

const data = (workerData ?? {}) as DecodeWorkerData;
if (data.awsIpRanges) installRanges(data.awsIpRanges);

export interface DecodeRequest {
  id: number;
  key: string;
  /** The object's bytes, or a local file to read here (off the main thread). */
  bytes?: Uint8Array;
  path?: string;
  metadata?: Record<string, string>;
  checkOnly?: boolean;
}

parentPort!.on("message", (req: DecodeRequest) => {
  try {
    const bytes = req.bytes ?? readFileSync(req.path!);
    const result = decodeObject(req.key, bytes, { metadata: req.metadata, checkOnly: req.checkOnly });
    // The sketches' bitmaps (up to 64 KiB each) and the lines' one buffer move to the main
    // thread instead of being copied.
    const lines = result.rows.lines.length ? [result.rows.lines[0].buffer as ArrayBuffer] : [];
    parentPort!.postMessage({ id: req.id, result }, [...sketchBuffers(result.rows.sketches), ...lines]);
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message });
  }
});

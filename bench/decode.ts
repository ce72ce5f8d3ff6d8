// Decode limit: gunzip + JSON.parse of every file of the corpus, on 1 thread and on one worker
// thread per core. The ingest target is measured against the parallel figure ("the decode limit").
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export interface DecodeResult {
  threads: number;
  ms: number;
  records: number;
  rawBytes: number;
  eventsPerSecond: number;
}

function startWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./decode-worker.mjs", import.meta.url));
    w.once("error", reject);
    w.once("message", (m: { type: string }) => (m.type === "ready" ? resolve(w) : reject(new Error("unexpected message"))));
  });
}

/** Splits files into `n` lists of about equal total size (largest first, to the lightest list). */
function balance(files: { path: string; size: number }[], n: number): string[][] {
  const lists = Array.from({ length: n }, () => ({ files: [] as string[], bytes: 0 }));
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    const l = lists.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    l.files.push(f.path);
    l.bytes += f.size;
  }
  return lists.map((l) => l.files);
}

export const cores = (): number => availableParallelism();

export async function decodeLimit(files: { path: string; size: number }[], threads: number): Promise<DecodeResult> {
  // Workers are started (and their JS compiled) before the clock starts: what is timed is the work.
  const workers = await Promise.all(Array.from({ length: threads }, startWorker));
  try {
    const parts = balance(files, threads);
    const t = performance.now();
    const results = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<{ records: number; raw: number }>((resolve, reject) => {
            w.once("error", reject);
            w.once("message", (m: { type: string; records: number; raw: number }) => resolve(m));
            w.postMessage({ type: "work", files: parts[i] });
          }),
      ),
    );
    const ms = performance.now() - t;
    const records = results.reduce((a, r) => a + r.records, 0);
    const rawBytes = results.reduce((a, r) => a + r.raw, 0);
    return { threads, ms, records, rawBytes, eventsPerSecond: (records * 1000) / ms };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

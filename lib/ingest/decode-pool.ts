// A small pool of decode workers. Decoding (gunzip + JSON.parse + normalise) costs about as much
// CPU as PostgreSQL's COPY of the result; on the main thread it would serialise the two.
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { decodeObject, type DecodedObject } from "./decode";
import type { DecodeRequest, DecodeWorkerData } from "./decode-worker";

/** `checkOnly`: a stored log file read again for validation — hash it, nothing more (decode.ts). */
export type DecodeFn = (key: string, bytes: Uint8Array, metadata?: Record<string, string>, checkOnly?: boolean) => Promise<DecodedObject>;
/** Reads and decodes a local file (in a worker, the read happens there too). */
export type DecodeFileFn = (key: string, path: string, checkOnly?: boolean) => Promise<DecodedObject>;

export interface DecodePool {
  decode: DecodeFn;
  decodeFile: DecodeFileFn;
  close(): Promise<void>;
}

/** Decoding on the calling thread: for tests, tiny syncs and hosts where workers cannot start. */
export const inlineDecoder: DecodePool = {
  decode: async (key, bytes, metadata, checkOnly) => decodeObject(key, bytes, { metadata, checkOnly }),
  decodeFile: async (key, path, checkOnly) => decodeObject(key, await readFile(path), { checkOnly }),
  close: async () => {},
};

export function defaultWorkerCount(): number {
  const env = process.env.TRAILSCOPE_DECODE_WORKERS;
  if (env !== undefined && env !== "") return Math.max(0, Number(env) || 0);
  // Leave a core to PostgreSQL and the main thread (which feeds COPY); measured by `npm run bench`.
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

/** `data`: what each worker starts with (the AWS IP ranges snapshot to classify with, lib/enrich). */
export function createDecodePool(size = defaultWorkerCount(), data: DecodeWorkerData = {}): DecodePool {
  if (size <= 0) return inlineDecoder;
  type Pending = { resolve: (d: DecodedObject) => void; reject: (e: Error) => void; worker: Worker };
  const pending = new Map<number, Pending>();
  const load = new Map<Worker, number>();
  let seq = 0;
  const url = new URL("./decode-worker.mjs", import.meta.url);
  const retire = (w: Worker, err: Error) => {
    // A dead worker answers nothing: fail what it held (the engine reports those objects and
    // retries them next run) and stop sending it work. With none left, decode inline.
    load.delete(w);
    for (const [id, p] of pending) if (p.worker === w) (pending.delete(id), p.reject(err));
  };
  for (let i = 0; i < size; i++) {
    const w = new Worker(url, { workerData: data });
    load.set(w, 0);
    w.on("message", (m: { id: number; result?: DecodedObject; error?: string }) => {
      load.set(w, (load.get(w) ?? 1) - 1);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result!);
    });
    w.on("error", (err) => retire(w, err));
    w.on("exit", (code) => retire(w, new Error(`decode worker exited (${code})`)));
    w.unref();
  }
  const send = (req: Omit<DecodeRequest, "id">, inline: () => Promise<DecodedObject>) => {
    const alive = [...load.keys()];
    if (alive.length === 0) return inline();
    // Least-loaded worker: objects differ a lot in size.
    const w = alive.reduce((a, b) => (load.get(a)! <= load.get(b)! ? a : b));
    load.set(w, load.get(w)! + 1);
    const id = ++seq;
    return new Promise<DecodedObject>((resolve, reject) => {
      pending.set(id, { resolve, reject, worker: w });
      w.postMessage({ id, ...req } satisfies DecodeRequest);
    });
  };
  return {
    decode: (key, bytes, metadata, checkOnly) => send({ key, bytes, metadata, checkOnly }, () => inlineDecoder.decode(key, bytes, metadata, checkOnly)),
    decodeFile: (key, path, checkOnly) => send({ key, path, checkOnly }, () => inlineDecoder.decodeFile(key, path, checkOnly)),
    async close() {
      const ws = [...load.keys()];
      load.clear();
      await Promise.all(ws.map((w) => w.terminate()));
    },
  };
}

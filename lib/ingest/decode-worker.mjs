// Worker entry. Worker threads do not inherit the TypeScript loader that runs the main thread (tsx),
// so the worker registers it itself before loading the TypeScript body.
import { register } from "tsx/esm/api";

register();
await import("./decode-worker.ts");

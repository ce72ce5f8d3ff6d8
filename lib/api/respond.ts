// Shared by the route handlers: the contract's error shapes.
import { ParamError } from "../query/params";

export function jsonError(status: number, error: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error, ...extra }, { status, headers: { "cache-control": "no-store" } });
}

/** Invalid parameters → 400 naming the parameter; anything else → 500 without internals. */
export function handleError(err: unknown): Response {
  if (err instanceof ParamError) return jsonError(400, err.message, { param: err.param });
  console.error("trailscope: request failed:", err);
  return jsonError(500, "internal error; see the server log");
}

// Shared by the route handlers: the contract's error shapes.
import { ParamError } from "../query/params";
import { RequestAbortedError } from "../store/abort";
import { queryTimeoutMs } from "../store/db";

export function jsonError(status: number, error: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error, ...extra }, { status, headers: { "cache-control": "no-store" } });
}

/**
 * Invalid parameters → 400 naming the parameter; a query past the time limit or a database out
 * of reach → 503 saying what to do; anything else → 500 without internals. With the request's
 * `signal`: work given up because the client went away answers 499 (nobody reads it) unlogged.
 */
export function handleError(err: unknown, signal?: AbortSignal): Response {
  if (err instanceof ParamError) return jsonError(400, err.message, { param: err.param });
  if (signal?.aborted || err instanceof RequestAbortedError) return jsonError(499, "the request was aborted");
  const kind = databaseFailure(err);
  if (kind === "timeout") return jsonError(503, timeoutMessage());
  if (kind === "unavailable") {
    console.error("trailscope: database unavailable:", err);
    return jsonError(503, "database unavailable, try again");
  }
  console.error("trailscope: request failed:", err);
  return jsonError(500, "internal error; see the server log");
}

function timeoutMessage(): string {
  let ms = 0;
  try {
    ms = queryTimeoutMs();
  } catch {
    // an invalid setting fails at start; here only the message loses its figure
  }
  if (ms <= 0) return "the query was cancelled: narrow the range or the search";
  const figure = ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
  return `the query took longer than ${figure}: narrow the range or the search`;
}

/** SQLSTATEs of a server that is gone, going, full or refusing sessions (class 08: connection exception). */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "25P03"]);
/** Errors of the socket under a connection. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** node-postgres and pg-pool report a lost or unobtainable connection only in words. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client (was closed|has encountered a connection error) and is not queryable|Cannot use a pool after calling end)/;
/** The same, as Prisma (through @prisma/adapter-pg) reports them. */
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const ADAPTER_UNAVAILABLE = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/**
 * "timeout": PostgreSQL cancelled the statement (query_canceled, 57014: statement_timeout);
 * "unavailable": no connection could be had or it was lost. Looks through causes, as Prisma and
 * wrappers keep the driver's error there.
 */
export function databaseFailure(err: unknown): "timeout" | "unavailable" | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    const o = e as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    const code = typeof o.originalCode === "string" ? o.originalCode : o.code;
    if (code === "57014") return "timeout";
    if (typeof code === "string" && (code.startsWith("08") || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code) || PRISMA_UNAVAILABLE.has(code))) return "unavailable";
    if (typeof o.kind === "string" && ADAPTER_UNAVAILABLE.has(o.kind)) return "unavailable";
    if (typeof o.message === "string" && UNAVAILABLE_MESSAGES.test(o.message)) return "unavailable";
    queue.push(o.cause, o.meta?.driverAdapterError);
  }
  return undefined;
}

// The one guard every page and /api route goes through. A route handler is written as
//   export const GET = guarded("read", async (req, { access, db, pool }) => …)
// and a page as `const { access } = await pageAccess("read")`. The guard resolves the principal
// (lib/auth/access.ts), checks the route's capability against the role (lib/auth/roles.ts), checks
// CSRF on state-changing requests, and hands the handler a pool whose queries end with the request.
// test/route-guard.test.ts checks that every route is written this way; proxy.ts denies anything
// without a credential before it gets here.
import { headers as nextHeaders } from "next/headers";
import { cache } from "react";
import { notFound, redirect } from "next/navigation";
import type { NextRequest } from "next/server";
import type pg from "pg";
import { handleError, jsonError } from "../api/respond";
import { getDb, type Db } from "../store/db";
import { abortablePool, RequestAbortedError } from "../store/abort";
import { AccessError, can, resolveAccess, type Access } from "./access";
import type { Capability } from "./roles";
import { accessSettings } from "./settings";
import { hostName } from "../server/headers";

export interface Guarded<P> {
  access: Access;
  db: Db;
  /** The database pool for this request: its queries are cancelled when the client goes away. */
  pool: pg.Pool;
  params: P;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Cookies ride along on any request a browser makes, so a state-changing request carried by a
 * cookie must come from one of our own pages: its Origin names an allowed host, the same one it
 * was sent to. API tokens are not sent by browsers on their own and need no such check.
 */
function sameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (origin) {
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    const settings = accessSettings();
    const host = hostName(req.headers.get("host"));
    return settings.allowedHosts.has(u.hostname.replace(/^\[|\]$/g, "")) && (u.hostname.replace(/^\[|\]$/g, "") === host || settings.trustProxy);
  }
  return req.headers.get("sec-fetch-site") === "same-origin";
}

export function guarded<P = Record<string, never>>(
  need: Capability,
  handler: (req: NextRequest, ctx: Guarded<P>) => Promise<Response>,
): (req: NextRequest, route: { params: Promise<P> }) => Promise<Response> {
  return async (req, route) => {
    try {
      // A client gone before its turn came (requests queue while the server is busy): no work.
      if (req.signal.aborted) return handleError(new RequestAbortedError(), req.signal);
      const db = getDb();
      const access = await resolveAccess(db, req.headers);
      if (UNSAFE.has(req.method) && access.kind !== "token" && !sameOrigin(req)) {
        return jsonError(403, "cross-site request refused (the Origin is not this console)");
      }
      if (!can(access, need)) return jsonError(403, `this needs the ${need} permission, which ${access.share ? "a share link" : `the ${access.role} role`} does not have`);
      return await handler(req, { access, db, pool: abortablePool(db.pool, req.signal), params: (await route?.params) ?? ({} as P) });
    } catch (err) {
      if (err instanceof AccessError) return jsonError(err.status, err.message);
      return handleError(err, req.signal);
    }
  };
}

/** One lookup per page request, shared by the layout's header and the page (React's cache). */
const requestAccess = cache(async () => resolveAccess(getDb(), await nextHeaders()));

/**
 * A page's principal. No valid credential: to sign-in (back here afterwards). Not allowed: the
 * page answers 404, so a page's existence says nothing to whom it is not for.
 */
export async function pageAccess(need: Capability, from?: string): Promise<{ access: Access; db: Db }> {
  const db = getDb();
  try {
    const access = await requestAccess();
    if (!can(access, need)) notFound();
    return { access, db };
  } catch (err) {
    if (err instanceof AccessError && err.status === 401) redirect(`/sign-in${from ? `?next=${encodeURIComponent(from)}` : ""}`);
    throw err;
  }
}

/** The principal if the request has a valid one (the layout's header), else null; never redirects. */
export async function currentAccess(): Promise<Access | null> {
  try {
    return await requestAccess();
  } catch {
    return null;
  }
}

// Who the bench's requests come from. Every page and /api route needs a credential, so each
// measured database gets, through the product's own code (lib/auth, loaded from the code under
// measurement): an admin who sees every account and an analyst scoped to one account, each with a
// signed-in session (Better Auth's sign-in, in this process) and an API token; share links are
// made per measurement (shareOf). The server signs and checks sessions with BENCH_SECRET.
import type * as AccessMod from "../lib/auth/access";
import type * as AccessCacheMod from "../lib/auth/access-cache";
import type * as AuthMod from "../lib/auth/auth";
import type * as SharesMod from "../lib/auth/shares";
import type * as UsersMod from "../lib/auth/users";
import type * as DbMod from "../lib/store/db";
import { BENCH_SECRET } from "./server";
import { load } from "./src";

// Before any Better Auth instance exists in this process: sessions made here must verify there.
process.env.TRAILSCOPE_SECRET = BENCH_SECRET;

const PASSWORD = "bench-password-0123456789";
const SESSION_COOKIE = /^trailscope\.session_token=/;
const SHARE_COOKIE = "trailscope_share";

export type Access = AccessMod.Access;

export interface Principal {
  email: string;
  /** The account scope (null: every account). */
  accounts: string[] | null;
  /** `trailscope.session_token=…`: a browser's signed-in session. */
  cookie: string;
  /** An API token of this user (Authorization: Bearer). */
  token: string;
  /** Its Access as the guard resolves it from the session. */
  access: Access;
}

export interface Share {
  /** `trailscope_share=<token>`: what /s/<token> sets in the browser. */
  cookie: string;
  /** The frozen view (absolute from/to, asOf, filters) as the share link stores it. */
  params: URLSearchParams;
  access: Access;
}

export interface Principals {
  db: DbMod.Db;
  /** Every account. */
  admin: Principal;
  /** Scoped to `account`. */
  scoped: Principal;
  account: string;
  /** A share link of `admin` for this view (a query string; the range is frozen as the product does). */
  shareOf(query: string): Promise<Share>;
  resolve(headers: Headers): Promise<Access>;
  /** Forgets credentials checked recently (lib/auth/access-cache.ts): the next resolve is a first request's. */
  forget(): void;
  accessQuery: typeof AccessMod.accessQuery;
  close(): Promise<void>;
}

export const headersOf = (cred: { cookie?: string; token?: string }): Record<string, string> =>
  cred.token ? { authorization: `Bearer ${cred.token}` } : cred.cookie ? { cookie: cred.cookie } : {};

export async function ensurePrincipals(url: string, account: string): Promise<Principals> {
  const { openDb } = await load<typeof DbMod>("lib/store/db.ts");
  const { upsertUser, createToken, listTokens, revokeToken, SYSTEM } = await load<typeof UsersMod>("lib/auth/users.ts");
  const { authFor } = await load<typeof AuthMod>("lib/auth/auth.ts");
  const { resolveAccess, accessQuery } = await load<typeof AccessMod>("lib/auth/access.ts");
  const { createShare } = await load<typeof SharesMod>("lib/auth/shares.ts");
  // Before the access cache existed (older commits measured with --head) there is nothing to forget.
  const forget = await load<typeof AccessCacheMod>("lib/auth/access-cache.ts").then((m) => m.forgetAccess, () => () => {});
  const db = openDb(url, { max: 8 });
  const resolve = (h: Headers) => resolveAccess(db, h);

  const principal = async (email: string, role: "admin" | "analyst", accounts: string[] | null): Promise<Principal> => {
    const { user } = await upsertUser(db, { email, role, accounts, password: PASSWORD });
    // One bench token per user at a time (the kept databases outlive runs).
    for (const t of await listTokens(db, user.id)) if (t.name === "bench") await revokeToken(db, t.id, user.id, SYSTEM);
    const { key } = await createToken(db, user.id, "bench", SYSTEM);
    const res = (await authFor(db).api.signInEmail({ body: { email, password: PASSWORD }, asResponse: true })) as Response;
    if (res.status !== 200) throw new Error(`sign-in of ${email}: HTTP ${res.status} ${await res.text()}`);
    const set = res.headers.getSetCookie().find((c) => SESSION_COOKIE.test(c));
    if (!set) throw new Error(`sign-in of ${email} set no session cookie`);
    const cookie = set.split(";")[0];
    const access = await resolve(new Headers({ cookie }));
    if (access.kind !== "session" || JSON.stringify(access.scope) !== JSON.stringify(accounts)) throw new Error(`${email}: unexpected access ${JSON.stringify(access)}`);
    const viaToken = await resolve(new Headers({ authorization: `Bearer ${key}` }));
    if (viaToken.kind !== "token" || viaToken.userId !== access.userId) throw new Error(`${email}: its token does not resolve to it`);
    return { email, accounts, cookie, token: key, access };
  };

  const admin = await principal("admin@bench.test", "admin", null);
  const scoped = await principal("scoped@bench.test", "analyst", [account]);
  return {
    db,
    admin,
    scoped,
    account,
    resolve,
    forget,
    accessQuery,
    async shareOf(query) {
      const s = await createShare(db, admin.access, query, 1);
      const cookie = `${SHARE_COOKIE}=${s.token}`;
      const access = await resolve(new Headers({ cookie }));
      if (access.kind !== "share" || !access.share) throw new Error("the share link does not resolve to a share");
      return { cookie, params: new URLSearchParams(s.query), access };
    },
    close: () => db.close(),
  };
}

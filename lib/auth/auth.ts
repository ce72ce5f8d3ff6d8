// Sign-in is Better Auth's (never hand-written): local accounts (email + password, scrypt hashes),
// OpenID Connect single sign-on configured by environment, database sessions in HttpOnly SameSite
// cookies (Secure when served over https), rate-limited sign-in attempts, API keys (stored hashed).
// Trailscope adds roles (lib/auth/roles.ts), account scope, share links and the audit trail around it.
import { apiKey } from "@better-auth/api-key";
import { prismaAdapter } from "@better-auth/prisma-adapter";
import { betterAuth } from "better-auth";
import { createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import { admin, genericOAuth } from "better-auth/plugins";
import type { Db } from "../store/db";
import { forgetAccess } from "./access-cache";
import { audit } from "./audit";
import { SESSION_COOKIE_PREFIX } from "./cookies";
import { accessSettings, authSecret } from "./settings";

/** Sign-in attempts one client may make per minute (TRAILSCOPE_SIGNIN_ATTEMPTS_PER_MINUTE). */
function signInAttempts(): number {
  const raw = process.env.TRAILSCOPE_SIGNIN_ATTEMPTS_PER_MINUTE ?? "10";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRAILSCOPE_SIGNIN_ATTEMPTS_PER_MINUTE: must be a whole number ≥ 1, not "${raw}"`);
  return n;
}

export const API_TOKEN_PREFIX = "ts_";

function createAuth(db: Db) {
  const settings = accessSettings();
  const attempts = signInAttempts();
  const oidc = settings.oidc;
  return betterAuth({
    appName: "Trailscope",
    baseURL: settings.baseUrl,
    secret: authSecret(),
    database: prismaAdapter(db.prisma, { provider: "postgresql" }),
    telemetry: { enabled: false },
    // Users are made by an admin (console or `npm run admin`) or at first-run setup, never by
    // signing up; an OpenID user must have been invited by email first (disableImplicitSignUp).
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10, maxPasswordLength: 256 },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    // An OpenID sign-in joins the user an admin created with that email. Better Auth would also
    // want the local email "verified"; nobody signs up here (every user was made by an admin), and
    // the provider is the operator's own, so the admin's invitation is the verification.
    account: { accountLinking: { enabled: true, trustedProviders: oidc ? ["oidc"] : [], requireLocalEmailVerified: false } },
    user: { additionalFields: { accountScope: { type: "string", required: false, input: false } } },
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 600,
      customRules: {
        "/sign-in/email": { window: 60, max: attempts },
        "/sign-in/social": { window: 60, max: attempts },
      },
    },
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      // The session and its user in one statement (lib/auth/access.ts reads role and scope from it).
      database: { joins: true },
      useSecureCookies: settings.baseUrl.startsWith("https:"),
      defaultCookieAttributes: { sameSite: "lax", httpOnly: true },
      // lib/server/http.ts overwrites X-Forwarded-For with the peer address (or, behind a trusted
      // proxy, the proxy's client): a client cannot pick the address it is rate-limited by.
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    trustedOrigins: [settings.baseUrl],
    plugins: [
      admin({ defaultRole: "auditor", adminRoles: ["admin"] }),
      apiKey({
        defaultPrefix: API_TOKEN_PREFIX,
        apiKeyHeaders: ["x-trailscope-api-key"],
        rateLimit: { enabled: false },
        enableMetadata: false,
      }),
      ...(oidc
        ? [
            genericOAuth({
              config: [
                {
                  providerId: "oidc",
                  name: oidc.name,
                  clientId: oidc.clientId,
                  clientSecret: oidc.clientSecret,
                  discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
                  scopes: ["openid", "email", "profile"],
                  pkce: true,
                  disableImplicitSignUp: true,
                },
              ],
            }),
          ]
        : []),
    ],
    databaseHooks: {
      session: {
        create: {
          async after(session) {
            const user = await db.prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } });
            await audit(db, { actorKind: "user", actorId: session.userId, actorName: user?.email ?? null, action: "sign-in", ip: session.ipAddress ?? null });
          },
        },
      },
    },
    // Better Auth logs every refused API key as an error; a forged-token flood must not flood the
    // log (refusals are answered 401 and the guard knows why).
    logger: { level: "warn", log: (level, message, ...args) => (/API key/i.test(message) ? undefined : console[level === "error" ? "error" : "warn"](`better-auth: ${message}`, ...args)) },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-out" && ctx.path !== "/revoke-sessions") return;
        const session = await getSessionFromCtx(ctx).catch(() => null);
        if (session) {
          await audit(db, {
            actorKind: "user",
            actorId: session.user.id,
            actorName: session.user.email,
            action: ctx.path === "/sign-out" ? "sign-out" : "sign-out-everywhere",
            ip: ctx.request?.headers.get("x-forwarded-for") ?? null,
          });
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        // Sign-out, revoked sessions, changed passwords…: remembered credentials are checked again.
        if (ctx.path !== "/get-session") forgetAccess();
        // A refused sign-in (wrong password, unknown user, rate-limited) returns an APIError.
        if (ctx.path === "/sign-in/email" && isAPIError(ctx.context.returned)) {
          const email = typeof ctx.body?.email === "string" ? ctx.body.email.slice(0, 320) : null;
          await audit(db, { actorKind: "anonymous", actorName: email, action: "sign-in-failed", ip: ctx.request?.headers.get("x-forwarded-for") ?? null });
        }
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const cache = new WeakMap<Db, Auth>();

/** The Better Auth instance over a database handle (one per handle: its settings are read once). */
export function authFor(db: Db): Auth {
  let a = cache.get(db);
  if (!a) cache.set(db, (a = createAuth(db)));
  return a;
}

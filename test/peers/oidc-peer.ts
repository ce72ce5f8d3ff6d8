// A real OpenID Connect provider for tests: node-oidc-provider (a certified OP) on loopback, with
// a small login page of our own in place of its development-only interactions.
//
// Tests point Better Auth's OIDC sign-in at it, and Playwright signs in through its form, so the
// whole code flow runs for real: discovery, the authorization request with PKCE, cookies, the
// login form, the redirect back with `code`, client authentication at the token endpoint and an
// id_token signed with a key generated at start (verifiable against the peer's JWKS).
//
// Choices that differ from oidc-provider's defaults, and why:
// - conformIdTokenClaims: false, so the id_token of a code flow carries the scope claims (email,
//   email_verified, name) as most IdPs do; the conformant default would only put them in userinfo.
// - PKCE is required for every client unless `requirePkce: false` (the default only requires it
//   for public clients), so a test proves the relying party sends it.
// - Consent is granted automatically: every client here is first-party.
// - Our own signing key, cookie keys, storage adapter, TTLs and pages, so none of the library's
//   "development only" warnings or notices fire, and no page pulls fonts from the internet.
// - Cookies are not `secure` (the issuer is plain http on 127.0.0.1); SameSite stays lax.
//
// Run directly for manual checks: `npx tsx test/peers/oidc-peer.ts` (see `runStandalone`).
import { generateKeyPair, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
// oidc-provider ships no type declarations (they are @types/oidc-provider, not installed); the few
// members this peer uses are typed by hand below (`OidcProvider`).
// @ts-expect-error TS7016: no declaration file for "oidc-provider"
import { Provider } from "oidc-provider";

// ---------------------------------------------------------------------------------------------
// Public API

export interface OidcPeerClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs (Better Auth 1.7 generic OAuth: `${baseURL}/api/auth/callback/<providerId>`). */
  redirectUris: string[];
  /** Where the end_session endpoint may send the browser after sign-out. */
  postLogoutRedirectUris?: string[];
}

export interface OidcPeerUser {
  /** The `sub` claim: stable account id at the IdP. */
  sub: string;
  email: string;
  name: string;
  password: string;
  /** The `email_verified` claim; true unless set. */
  emailVerified?: boolean;
}

export interface OidcPeerOptions {
  clients: OidcPeerClient[];
  users: OidcPeerUser[];
  /** Listen port on 127.0.0.1; a free one when unset. */
  port?: number;
  /** Refuse authorization requests without a PKCE S256 code_challenge. Default true. */
  requirePkce?: boolean;
}

/** One submission of the login form. */
export interface OidcSignInAttempt {
  clientId: string;
  email: string;
  ok: boolean;
}

export interface OidcPeer {
  /** Issuer identifier, e.g. http://127.0.0.1:41234 (no trailing slash): what the `iss` claim says. */
  issuer: string;
  /** Same as `issuer`, for symmetry with the other peers. */
  url: string;
  /** `${issuer}/.well-known/openid-configuration` */
  discoveryUrl: string;
  /** Every login form submission, in order (lets a browser test prove it went through the form). */
  signIns: OidcSignInAttempt[];
  close(): Promise<void>;
}

export const LOGIN_PAGE_TITLE = "Sign in — Trailscope test IdP";

export async function startOidcPeer(opts: OidcPeerOptions): Promise<OidcPeer> {
  if (opts.clients.length === 0) throw new Error("startOidcPeer: at least one client is needed");
  const users = [...opts.users];
  const signIns: OidcSignInAttempt[] = [];

  // The issuer must contain the port, so listen first and attach the provider afterwards.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, await providerConfiguration(opts, users)) as OidcProvider;
  // Without a listener Koa prints every 4xx/5xx thrown inside the provider; keep only real faults.
  provider.on("server_error", (_ctx: unknown, err: Error) => console.error("oidc-peer server_error:", err));
  const providerCallback = provider.callback();

  const interactions = new InteractionRoutes(provider, users, signIns);
  handle = (req, res) => {
    interactions
      .handle(req, res)
      .then((handled) => {
        if (!handled) providerCallback(req, res);
      })
      .catch((err: unknown) => {
        console.error("oidc-peer interaction error:", err);
        if (!res.headersSent) sendHtml(res, 500, page("Error", `<p>${escapeHtml(String(err))}</p>`));
        else res.destroy();
      });
  };

  return {
    issuer,
    url: issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    signIns,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The hand-written slice of oidc-provider's API this file relies on

interface Interaction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  session?: { accountId: string };
  grantId?: string;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: string, listener: (...args: never[]) => void): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

/** The bits of a Koa context the configuration hooks below touch. */
interface KoaContext {
  type: string;
  body: unknown;
  host: string;
}

// ---------------------------------------------------------------------------------------------
// Provider configuration

async function providerConfiguration(opts: OidcPeerOptions, users: OidcPeerUser[]): Promise<object> {
  const requirePkce = opts.requirePkce ?? true;
  const hour = 60 * 60;
  return {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      // A client registered for one secret method is accepted with either (basic or post):
      // oidc-provider treats client_secret_basic and client_secret_post as interchangeable.
      token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: [await generateSigningKey()] },
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      long: { httpOnly: true, sameSite: "lax", secure: false },
      short: { httpOnly: true, sameSite: "lax", secure: false },
    },
    adapter: memoryAdapterFactory(),
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
    },
    scopes: ["openid", "email", "profile"],
    // Advertise only what the peer is for: the code flow with a client secret (basic or post).
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    conformIdTokenClaims: false,
    pkce: { required: () => requirePkce },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return { sub: user.sub, email: user.email, email_verified: user.emailVerified ?? true, name: user.name };
        },
      };
    },
    renderError(ctx: KoaContext, out: Record<string, string>) {
      ctx.type = "html";
      const lines = Object.entries(out).map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`);
      ctx.body = page("Sign-in error", `<h1>Sign-in error</h1>${lines.join("")}`);
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: hour,
      AuthorizationCode: 60,
      IdToken: hour,
      Interaction: hour,
      Session: 24 * hour,
      Grant: 24 * hour,
      RefreshToken: 24 * hour,
    },
  };
}

/** A fresh RS256 key pair as a private JWK: the id_token signing key, published (public part) at jwks_uri. */
async function generateSigningKey(): Promise<object> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
}

async function logoutSource(ctx: KoaContext, form: string): Promise<void> {
  // The form oidc-provider hands over carries the xsrf token; `logout=yes` (ends the IdP session)
  // rides along through the `form` attribute. It submits itself so that a relying party's sign-out
  // (Better Auth calls end_session) needs no click; the button is there for script-less clients.
  ctx.body = page(
    "Sign out",
    `<h1>Sign out of ${escapeHtml(ctx.host)}?</h1>${form}
<input type="hidden" name="logout" value="yes" form="op.logoutForm">
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.getElementById("op.logoutForm").submit();</script>`,
  );
}

async function postLogoutSuccessSource(ctx: KoaContext): Promise<void> {
  ctx.body = page("Signed out", "<h1>Signed out</h1><p>You are signed out of the test IdP.</p>");
}

// ---------------------------------------------------------------------------------------------
// Interaction routes: the login form and automatic consent

class InteractionRoutes {
  constructor(
    private readonly provider: OidcProvider,
    private readonly users: OidcPeerUser[],
    private readonly signIns: OidcSignInAttempt[],
  ) {}

  /** Serves /interaction/<uid> (GET) and /interaction/<uid>/login (POST); false for anything else. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? "/", "http://peer").pathname;
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(path);
    if (!match) return false;
    const [, uid, login] = match;

    let interaction: Interaction;
    try {
      interaction = await this.provider.interactionDetails(req, res);
    } catch (err) {
      // Expired, or no interaction cookie (another browser, cookies lost): the RP must start over.
      sendHtml(res, 400, page("Sign-in expired", `<h1>Sign-in expired</h1><p>${escapeHtml((err as Error).message)}</p>`));
      return true;
    }
    if (interaction.uid !== uid) {
      sendHtml(res, 400, page("Sign-in error", "<h1>Sign-in error</h1><p>This sign-in page belongs to another request.</p>"));
      return true;
    }

    if (!login && req.method === "GET") {
      if (interaction.prompt.name === "consent") await this.grantConsent(req, res, interaction);
      else sendHtml(res, 200, loginPage(interaction));
      return true;
    }
    if (login && req.method === "POST") {
      await this.checkCredentials(req, res, interaction);
      return true;
    }
    res.statusCode = 405;
    res.end();
    return true;
  }

  private async checkCredentials(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const form = new URLSearchParams(await readBody(req));
    const email = (form.get("email") ?? "").trim();
    const password = form.get("password") ?? "";
    const user = this.users.find((u) => u.email.toLowerCase() === email.toLowerCase() || u.sub === email);
    const ok = user !== undefined && user.password === password;
    this.signIns.push({ clientId: interaction.params.client_id ?? "", email, ok });
    if (!ok) {
      sendHtml(res, 401, loginPage(interaction, { email, error: "Wrong email or password." }));
      return;
    }
    await this.provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  /** Every configured client is first-party: grant whatever the consent prompt says is missing. */
  private async grantConsent(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const { details } = interaction.prompt;
    const accountId = interaction.session?.accountId;
    const clientId = interaction.params.client_id;
    if (!accountId || !clientId) throw new Error("consent prompt without a signed-in account or client");
    const grant =
      (interaction.grantId ? await this.provider.Grant.find(interaction.grantId) : undefined) ??
      new this.provider.Grant({ accountId, clientId });
    const missingScope = details.missingOIDCScope as string[] | undefined;
    const missingClaims = details.missingOIDCClaims as string[] | undefined;
    const missingResourceScopes = details.missingResourceScopes as Record<string, string[]> | undefined;
    if (missingScope) grant.addOIDCScope(missingScope.join(" "));
    if (missingClaims) grant.addOIDCClaims(missingClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(" "));
    }
    const grantId = await grant.save();
    await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
}

function loginPage(interaction: Interaction, state: { email?: string; error?: string } = {}): string {
  const action = `/interaction/${encodeURIComponent(interaction.uid)}/login`;
  const error = state.error ? `<p role="alert" class="error">${escapeHtml(state.error)}</p>` : "";
  return page(
    LOGIN_PAGE_TITLE,
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(interaction.params.client_id ?? "")}</strong></p>
${error}
<form method="post" action="${action}">
  <label for="email">Email</label>
  <input id="email" name="email" type="text" autocomplete="username" value="${escapeHtml(state.email ?? "")}" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Storage: an in-memory adapter per peer (the library's own one warns it is development-only and
// is shared by every provider in the process).

interface StoredPayload {
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
  [key: string]: unknown;
}

function memoryAdapterFactory() {
  const records = new Map<string, { payload: StoredPayload; expiresAt: number }>();
  const live = (key: string) => {
    const entry = records.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      records.delete(key);
      return undefined;
    }
    return entry?.payload;
  };
  return class PeerAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      records.set(this.key(id), { payload, expiresAt });
    }
    async find(id: string) {
      return live(this.key(id));
    }
    async findByUid(uid: string) {
      for (const key of records.keys()) {
        const payload = key.startsWith(`${this.model}:`) ? live(key) : undefined;
        if (payload?.uid === uid) return payload;
      }
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const key of records.keys()) {
        const payload = key.startsWith(`${this.model}:`) ? live(key) : undefined;
        if (payload?.userCode === userCode) return payload;
      }
      return undefined;
    }
    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      records.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of records) {
        if (entry.payload.grantId === grantId) records.delete(key);
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box}input{margin:.25rem 0 1rem;padding:.4rem}
button{padding:.5rem}.error{color:#b00020}</style></head>
<body><main>${body}</main></body>
</html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(html);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error("login form body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// ---------------------------------------------------------------------------------------------
// Standalone: `npx tsx test/peers/oidc-peer.ts`

/**
 * One client and one user, from the environment or defaults:
 * OIDC_PEER_PORT (default 9400), OIDC_CLIENT_ID (trailscope), OIDC_CLIENT_SECRET (trailscope-secret),
 * OIDC_REDIRECT_URIS (comma-separated; default Better Auth's generic OAuth callback for provider
 * id "oidc" on 127.0.0.1:3000 and localhost:3000), OIDC_POST_LOGOUT_REDIRECT_URIS (comma-separated),
 * OIDC_USER_EMAIL (alice@example.com), OIDC_USER_PASSWORD (alice-password), OIDC_USER_NAME (Alice Example),
 * OIDC_USER_SUB (alice).
 */
async function runStandalone(): Promise<void> {
  const env = process.env;
  const list = (value: string | undefined, fallback: string[]) =>
    value ? value.split(",").map((s) => s.trim()).filter(Boolean) : fallback;
  const client: OidcPeerClient = {
    clientId: env.OIDC_CLIENT_ID ?? "trailscope",
    clientSecret: env.OIDC_CLIENT_SECRET ?? "trailscope-secret",
    redirectUris: list(env.OIDC_REDIRECT_URIS, [
      "http://127.0.0.1:3000/api/auth/callback/oidc",
      "http://localhost:3000/api/auth/callback/oidc",
    ]),
    postLogoutRedirectUris: list(env.OIDC_POST_LOGOUT_REDIRECT_URIS, ["http://127.0.0.1:3000/", "http://localhost:3000/"]),
  };
  const user: OidcPeerUser = {
    sub: env.OIDC_USER_SUB ?? "alice",
    email: env.OIDC_USER_EMAIL ?? "alice@example.com",
    name: env.OIDC_USER_NAME ?? "Alice Example",
    password: env.OIDC_USER_PASSWORD ?? "alice-password",
  };
  const peer = await startOidcPeer({ clients: [client], users: [user], port: Number(env.OIDC_PEER_PORT ?? 9400) });
  console.log(peer.issuer);
  console.error(
    `oidc-peer: discovery ${peer.discoveryUrl}\n` +
      `  client ${client.clientId} / ${client.clientSecret}, redirect URIs ${client.redirectUris.join(" ")}\n` +
      `  user ${user.email} / ${user.password} (sub ${user.sub})\n  Ctrl-C to stop`,
  );
  const stop = () => void peer.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  runStandalone().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

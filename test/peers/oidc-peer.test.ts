// Drives the OIDC peer through the whole authorization code flow over real HTTP with fetch, the
// way a browser and a relying party would: discovery, an authorization request with PKCE, the
// login form (cookies kept by hand, redirects followed one by one), the redirect back with `code`,
// the token endpoint, and the id_token verified with jose against the peer's JWKS.
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startOidcPeer, type OidcPeer, type OidcPeerClient, type OidcPeerUser } from "./oidc-peer";

const APP = "http://127.0.0.1:3999"; // the relying party: never contacted, only redirected to
const CLIENT: OidcPeerClient = {
  clientId: "trailscope",
  clientSecret: "s3cret-trailscope",
  redirectUris: [`${APP}/api/auth/callback/oidc`],
  postLogoutRedirectUris: [`${APP}/signed-out`],
};
const OTHER_CLIENT: OidcPeerClient = {
  clientId: "other-app",
  clientSecret: "other-secret",
  redirectUris: ["http://127.0.0.1:3998/callback"],
};
const ALICE: OidcPeerUser = { sub: "alice-0001", email: "alice@example.com", name: "Alice Example", password: "correct horse" };
const BOB: OidcPeerUser = {
  sub: "bob-0002",
  email: "bob@example.com",
  name: "Bob Unverified",
  password: "battery staple",
  emailVerified: false,
};

// ---------------------------------------------------------------------------------------------
// A minimal browser: a cookie jar and manual redirects

class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key, val = ""] = a.trim().split("=");
        if (key.toLowerCase() === "max-age") return Number(val) <= 0;
        if (key.toLowerCase() === "expires") return new Date(val).getTime() <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  get size(): number {
    return this.cookies.size;
  }
}

type Landing =
  | { kind: "page"; status: number; url: string; html: string }
  | { kind: "callback"; url: URL };

/** Requests `url` and follows redirects like a browser until a page, or until the RP's `callbackPrefix`. */
async function browse(
  jar: CookieJar,
  url: string,
  callbackPrefix: string,
  form?: Record<string, string>,
): Promise<Landing> {
  let next = url;
  let method = form ? "POST" : "GET";
  let body: string | undefined = form ? new URLSearchParams(form).toString() : undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (next.startsWith(callbackPrefix)) return { kind: "callback", url: new URL(next) };
    const headers: Record<string, string> = { cookie: jar.header() };
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(next, { method, headers, body, redirect: "manual" });
    jar.store(res);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      next = new URL(location, next).href;
      method = "GET"; // 302/303 after a form post: the browser follows with GET
      body = undefined;
      continue;
    }
    return { kind: "page", status: res.status, url: next, html: await res.text() };
  }
  throw new Error(`too many redirects from ${url}`);
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function loginFormAction(page: Landing): string {
  if (page.kind !== "page") throw new Error("expected the login page, got a redirect to the client");
  const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
  if (!action) throw new Error(`no login form on ${page.url}:\n${page.html}`);
  return new URL(action, page.url).href;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
}

interface AuthorizationRequest {
  client: OidcPeerClient;
  state: string;
  nonce: string;
  challenge?: string;
}

function authorizationUrl(discovery: Discovery, req: AuthorizationRequest): string {
  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", req.client.clientId);
  url.searchParams.set("redirect_uri", req.client.redirectUris[0]);
  url.searchParams.set("scope", "openid email profile");
  url.searchParams.set("state", req.state);
  url.searchParams.set("nonce", req.nonce);
  if (req.challenge) {
    url.searchParams.set("code_challenge", req.challenge);
    url.searchParams.set("code_challenge_method", "S256");
  }
  return url.href;
}

async function exchangeCode(
  discovery: Discovery,
  client: OidcPeerClient,
  code: string,
  verifier: string,
  auth: "basic" | "post",
): Promise<Response> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirectUris[0],
    code_verifier: verifier,
  });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (auth === "basic") {
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  } else {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret);
  }
  return fetch(discovery.token_endpoint, { method: "POST", headers, body: form });
}

interface SignInResult {
  callback: URL;
  tokens: { id_token: string; access_token: string; token_type: string };
  claims: JWTPayload;
}

/** The whole code flow for `user` through the login form; fails the test on any deviation. */
async function signIn(
  peer: OidcPeer,
  discovery: Discovery,
  opts: { client: OidcPeerClient; user: OidcPeerUser; auth: "basic" | "post"; jar?: CookieJar },
): Promise<SignInResult> {
  const jar = opts.jar ?? new CookieJar();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(12).toString("base64url");
  const nonce = randomBytes(12).toString("base64url");
  const callbackPrefix = opts.client.redirectUris[0];

  const loginPage = await browse(jar, authorizationUrl(discovery, { client: opts.client, state, nonce, challenge }), callbackPrefix);
  expect(loginPage.kind).toBe("page");
  const landing = await browse(jar, loginFormAction(loginPage), callbackPrefix, {
    email: opts.user.email,
    password: opts.user.password,
  });
  if (landing.kind !== "callback") throw new Error(`expected a redirect to the client, got ${landing.status}:\n${landing.html}`);
  expect(landing.url.searchParams.get("state")).toBe(state);
  expect(landing.url.searchParams.get("iss")).toBe(peer.issuer);
  const code = landing.url.searchParams.get("code");
  expect(code).toBeTruthy();

  const tokenResponse = await exchangeCode(discovery, opts.client, code!, verifier, opts.auth);
  expect(tokenResponse.status).toBe(200);
  const tokens = (await tokenResponse.json()) as SignInResult["tokens"];
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    issuer: peer.issuer,
    audience: opts.client.clientId,
    algorithms: ["RS256"],
  });
  expect(payload.nonce).toBe(nonce);
  return { callback: landing.url, tokens, claims: payload };
}

async function getDiscovery(peer: OidcPeer): Promise<Discovery> {
  const res = await fetch(peer.discoveryUrl);
  expect(res.status).toBe(200);
  return (await res.json()) as Discovery;
}

// ---------------------------------------------------------------------------------------------

describe("OIDC peer", () => {
  let peer: OidcPeer;
  let discovery: Discovery;

  beforeAll(async () => {
    peer = await startOidcPeer({ clients: [CLIENT, OTHER_CLIENT], users: [ALICE, BOB] });
    discovery = await getDiscovery(peer);
  });
  afterAll(async () => {
    await peer?.close();
  });

  it("publishes discovery for a loopback http issuer with the code flow, PKCE S256 and secret client auth", () => {
    expect(peer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(peer.issuer);
    for (const endpoint of [discovery.authorization_endpoint, discovery.token_endpoint, discovery.jwks_uri, discovery.userinfo_endpoint]) {
      expect(endpoint.startsWith(`${peer.issuer}/`)).toBe(true);
    }
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(discovery.response_types_supported).toEqual(["code"]);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.token_endpoint_auth_methods_supported.sort()).toEqual(["client_secret_basic", "client_secret_post"]);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["sub", "email", "email_verified", "name"]));
  });

  it("serves a login form whose fields are labelled Email and Password with a Sign in button", async () => {
    const { challenge } = pkcePair();
    const page = await browse(new CookieJar(), authorizationUrl(discovery, { client: CLIENT, state: "s", nonce: "n", challenge }), CLIENT.redirectUris[0]);
    if (page.kind !== "page") throw new Error("expected the login page");
    expect(page.status).toBe(200);
    expect(page.url).toMatch(new RegExp(`^${peer.issuer}/interaction/[^/]+$`));
    expect(page.html).toContain('<label for="email">Email</label>');
    expect(page.html).toMatch(/<input id="email" name="email"/);
    expect(page.html).toContain('<label for="password">Password</label>');
    expect(page.html).toMatch(/<input id="password" name="password" type="password"/);
    expect(page.html).toContain('<button type="submit">Sign in</button>');
  });

  it("signs a user in through the form and issues an id_token with email, email_verified and name (client_secret_basic)", async () => {
    const before = peer.signIns.length;
    const { claims, tokens } = await signIn(peer, discovery, { client: CLIENT, user: ALICE, auth: "basic" });
    expect(claims).toMatchObject({
      iss: peer.issuer,
      aud: CLIENT.clientId,
      sub: ALICE.sub,
      email: ALICE.email,
      email_verified: true,
      name: ALICE.name,
    });
    expect(tokens.token_type).toBe("Bearer");
    expect(peer.signIns.slice(before)).toEqual([{ clientId: CLIENT.clientId, email: ALICE.email, ok: true }]);

    // The access token works at userinfo and yields the same identity.
    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({ sub: ALICE.sub, email: ALICE.email, email_verified: true, name: ALICE.name });
  });

  it("accepts client_secret_post and reports email_verified false when configured", async () => {
    const { claims } = await signIn(peer, discovery, { client: OTHER_CLIENT, user: BOB, auth: "post" });
    expect(claims).toMatchObject({ aud: OTHER_CLIENT.clientId, sub: BOB.sub, email: BOB.email, email_verified: false, name: BOB.name });
    // CLIENT is registered with client_secret_basic; post is accepted for it all the same.
    const postForBasicClient = await signIn(peer, discovery, { client: CLIENT, user: BOB, auth: "post" });
    expect(postForBasicClient.claims).toMatchObject({ aud: CLIENT.clientId, sub: BOB.sub });
  });

  it("refuses a wrong password with the form again and an error, then accepts the right one", async () => {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const callbackPrefix = CLIENT.redirectUris[0];
    const first = await browse(jar, authorizationUrl(discovery, { client: CLIENT, state: "st", nonce: "nn", challenge }), callbackPrefix);
    const action = loginFormAction(first);
    const before = peer.signIns.length;

    const refused = await browse(jar, action, callbackPrefix, { email: ALICE.email, password: "wrong" });
    if (refused.kind !== "page") throw new Error("a wrong password must not reach the client");
    expect(refused.status).toBe(401);
    expect(refused.html).toContain("Wrong email or password.");
    expect(refused.html).toContain(`value="${ALICE.email}"`); // the email is kept
    expect(loginFormAction(refused)).toBe(action); // same interaction, form shown again

    const unknownUser = await browse(jar, action, callbackPrefix, { email: "mallory@example.com", password: ALICE.password });
    expect(unknownUser.kind === "page" && unknownUser.status).toBe(401);

    const accepted = await browse(jar, action, callbackPrefix, { email: ALICE.email.toUpperCase(), password: ALICE.password });
    if (accepted.kind !== "callback") throw new Error(`expected the redirect to the client, got ${accepted.status}`);
    const tokenResponse = await exchangeCode(discovery, CLIENT, accepted.url.searchParams.get("code")!, verifier, "basic");
    expect(tokenResponse.status).toBe(200);
    expect(peer.signIns.slice(before).map((a) => a.ok)).toEqual([false, false, true]);
  });

  it("refuses an unknown client at the authorization endpoint without redirecting, and at the token endpoint", async () => {
    const stranger: OidcPeerClient = { clientId: "stranger", clientSecret: "x", redirectUris: [`${APP}/cb`] };
    const { challenge } = pkcePair();
    const res = await fetch(authorizationUrl(discovery, { client: stranger, state: "s", nonce: "n", challenge }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("invalid_client");

    const token = await exchangeCode(discovery, stranger, "any-code", "any-verifier", "basic");
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: "invalid_client" });

    const wrongSecret = await exchangeCode(discovery, { ...CLIENT, clientSecret: "not-it" }, "any-code", "any-verifier", "post");
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: "invalid_client" });
  });

  it("refuses an unregistered redirect_uri without redirecting to it", async () => {
    const { challenge } = pkcePair();
    const evil = { ...CLIENT, redirectUris: ["http://127.0.0.1:3999/elsewhere"] };
    const res = await fetch(authorizationUrl(discovery, { client: evil, state: "s", nonce: "n", challenge }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("redirect_uri did not match");
  });

  it("requires PKCE: no code_challenge is an error sent to the client, a wrong code_verifier fails the exchange", async () => {
    const callbackPrefix = CLIENT.redirectUris[0];
    const withoutPkce = await browse(new CookieJar(), authorizationUrl(discovery, { client: CLIENT, state: "np", nonce: "n" }), callbackPrefix);
    if (withoutPkce.kind !== "callback") throw new Error("expected an error redirect to the client");
    expect(withoutPkce.url.searchParams.get("error")).toBe("invalid_request");
    expect(withoutPkce.url.searchParams.get("state")).toBe("np");

    const jar = new CookieJar();
    const { challenge } = pkcePair();
    const login = await browse(jar, authorizationUrl(discovery, { client: CLIENT, state: "wp", nonce: "n", challenge }), callbackPrefix);
    const landing = await browse(jar, loginFormAction(login), callbackPrefix, { email: ALICE.email, password: ALICE.password });
    if (landing.kind !== "callback") throw new Error("expected the redirect to the client");
    const res = await exchangeCode(discovery, CLIENT, landing.url.searchParams.get("code")!, pkcePair().verifier, "basic");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("keeps the IdP session for a second sign-in (no form), and end_session signs out so the form comes back", async () => {
    const jar = new CookieJar();
    const first = await signIn(peer, discovery, { client: CLIENT, user: ALICE, auth: "basic", jar });
    expect(jar.size).toBeGreaterThan(0);

    // Same browser, new authorization request: straight back to the client, consent auto-granted.
    const { challenge } = pkcePair();
    const again = await browse(jar, authorizationUrl(discovery, { client: CLIENT, state: "again", nonce: "n2", challenge }), CLIENT.redirectUris[0]);
    expect(again.kind).toBe("callback");

    // RP-initiated logout as Better Auth sends it: id_token_hint, post_logout_redirect_uri, state.
    const endSession = new URL(discovery.end_session_endpoint);
    endSession.searchParams.set("id_token_hint", first.tokens.id_token);
    endSession.searchParams.set("post_logout_redirect_uri", CLIENT.postLogoutRedirectUris![0]);
    endSession.searchParams.set("state", "bye");
    const confirm = await browse(jar, endSession.href, CLIENT.postLogoutRedirectUris![0]);
    if (confirm.kind !== "page") throw new Error("expected the sign-out confirmation page");
    expect(confirm.html).toContain('<button type="submit" form="op.logoutForm">Sign out</button>');
    // What the page's script submits: its form (xsrf) plus logout=yes.
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)?.[1];
    expect(action && xsrf).toBeTruthy();
    const signedOut = await browse(jar, new URL(action!, confirm.url).href, CLIENT.postLogoutRedirectUris![0], { xsrf: xsrf!, logout: "yes" });
    if (signedOut.kind !== "callback") throw new Error(`expected the redirect to post_logout_redirect_uri, got ${signedOut.status}`);
    expect(signedOut.url.searchParams.get("state")).toBe("bye");

    const afterLogout = await browse(jar, authorizationUrl(discovery, { client: CLIENT, state: "s3", nonce: "n3", challenge }), CLIENT.redirectUris[0]);
    expect(afterLogout.kind).toBe("page");
    expect(loginFormAction(afterLogout)).toMatch(/\/interaction\/[^/]+\/login$/);
  });
});

describe("OIDC peer start-up", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("uses its own keys, storage and pages: oidc-provider prints no development warning or notice", async () => {
    const printed: string[] = [];
    for (const method of ["warn", "info", "log", "error"] as const) {
      const original = console[method].bind(console);
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(" "));
        original(...args);
      });
    }
    const peer = await startOidcPeer({ clients: [CLIENT], users: [ALICE] });
    try {
      const discovery = await getDiscovery(peer);
      const { claims } = await signIn(peer, discovery, { client: CLIENT, user: ALICE, auth: "basic" });
      expect(claims.email).toBe(ALICE.email);
      // The signing key is the peer's own: one RSA key, not the library's development keys.
      const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kty: string; kid: string }[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0].kty).toBe("RSA");
    } finally {
      await peer.close();
    }
    expect(printed.filter((line) => line.includes("oidc-provider"))).toEqual([]);
  });

  it("listens on the requested port and frees it on close", async () => {
    const probe = await startOidcPeer({ clients: [CLIENT], users: [ALICE] });
    const port = Number(new URL(probe.issuer).port);
    await probe.close();
    const peer = await startOidcPeer({ clients: [CLIENT], users: [ALICE], port });
    try {
      expect(peer.issuer).toBe(`http://127.0.0.1:${port}`);
      expect((await getDiscovery(peer)).issuer).toBe(peer.issuer);
    } finally {
      await peer.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});

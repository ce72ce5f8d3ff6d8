// Who is behind a CloudTrail event's credentials, from the record alone. An event made with an
// identity that is its own origin (an IAM user — with long-term keys or a console/GetSessionToken
// session —, root, a SAML or web-identity subject, an Identity Center user, an AWS service) names
// its actor directly. An event made with temporary credentials of a role or federated session
// (ASIA… keys) only names the key: who is behind it is found by following the key to the event
// that issued it (responseElements.credentials.accessKeyId), whose own caller may be another
// session (role chaining), and so on to an origin — lib/actors/link.ts does that in the store.
import { identity, type CloudTrailRecord } from "../fields";

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
export const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The last path segment of an ARN-like name ("arn:aws:iam::1:saml-provider/Okta" → "Okta"). */
function lastSegment(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** An OIDC provider as its host: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" → the host. */
function providerHost(v: string): string {
  const i = v.indexOf("oidc-provider/");
  return i >= 0 ? v.slice(i + "oidc-provider/".length) : v;
}

/** IAM Identity Center federates into accounts through a SAML provider of this name. */
const IDENTITY_CENTER_PROVIDER = /^AWSSSO_[0-9a-f]+_DO_NOT_DELETE$/i;

/**
 * The actor of an event whose identity is an origin; null for sessions (their actor comes from
 * the chain) and for identities that name nobody (Unknown, an AWS account without a key).
 *
 * Values: an IAM user's ARN; root's ARN (`arn:aws:iam::<account>:root`); `saml:<provider>/<subject>`;
 * `identitycenter:<user>` (Identity Center's SAML provider or an IdentityCenterUser identity);
 * `web:<provider host>/<subject>`; an AWS service's name (`lambda.amazonaws.com`).
 */
export function originOf(r: CloudTrailRecord): string | null {
  const id = identity(r);
  if (!id) return null;
  const type = text(id.type);
  const account = text(id.accountId) ?? text(r.recipientAccountId);
  switch (type) {
    case "IAMUser": {
      const arn = text(id.arn);
      if (arn) return arn;
      const name = text(id.userName);
      return name && account ? `arn:aws:iam::${account}:user/${name}` : null;
    }
    case "Root":
      return text(id.arn) ?? (account ? `arn:aws:iam::${account}:root` : null);
    case "SAMLUser": {
      const re = obj(r.responseElements);
      const subject = text(re?.subject) ?? text(id.userName);
      if (!subject) return null;
      const provider = text(obj(r.requestParameters)?.principalArn);
      const name = provider ? lastSegment(provider) : null;
      if (name && IDENTITY_CENTER_PROVIDER.test(name)) return `identitycenter:${subject}`;
      return `saml:${name ?? text(id.identityProvider) ?? "unknown"}/${subject}`;
    }
    case "WebIdentityUser": {
      const re = obj(r.responseElements);
      const subject = text(re?.subjectFromWebIdentityToken) ?? text(id.userName);
      const provider = text(id.identityProvider) ?? text(re?.provider);
      return subject ? `web:${provider ? providerHost(provider) : "unknown"}/${subject}` : null;
    }
    case "IdentityCenterUser": {
      const user = text(id.userName) ?? text(obj(id.onBehalfOf)?.userId);
      return user ? `identitycenter:${user}` : null;
    }
    case "AWSService":
      return text(id.invokedBy);
    default:
      return null;
  }
}

/** Identity types whose events are made with temporary credentials someone else's call issued. */
export const SESSION_TYPES: ReadonlySet<string> = new Set(["AssumedRole", "FederatedUser", "AWSAccount"]);

/**
 * The access key to follow to find the event's actor: that of a role or federated session (or of a
 * caller from another account, which its own account's records may explain); null when the event
 * names its actor itself or names no key.
 */
export function sessionKeyOf(r: CloudTrailRecord): string | null {
  const id = identity(r);
  if (!id || !SESSION_TYPES.has(text(id.type) ?? "")) return null;
  return text(id.accessKeyId);
}

/** Credentials an event issued: what the chain needs to know of it. */
export interface Issuance {
  /** The issued access key (ASIA…). */
  key: string;
  /** The caller's own session key when the caller is a session (role chaining); else null. */
  parentKey: string | null;
  /** The caller's actor when the caller is an origin; else null. */
  origin: string | null;
  /** The session the credentials are for (assumed-role or federated-user ARN). */
  sessionArn: string | null;
  /** requestParameters.sourceIdentity (or the caller's, carried over by STS). */
  sourceIdentity: string | null;
  /** The issuing event's eventName, eventTime (ISO) and recipientAccountId. */
  eventName: string | null;
  time: string;
  account: string | null;
}

/**
 * The credentials an event issued (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity,
 * GetFederationToken, GetSessionToken, AssumeRoot, …: any successful call whose response carries
 * credentials.accessKeyId), or null.
 */
export function issuanceOf(r: CloudTrailRecord): Issuance | null {
  if (r.errorCode !== undefined && r.errorCode !== null) return null;
  const re = obj(r.responseElements);
  const key = text(obj(re?.credentials)?.accessKeyId);
  if (!key) return null;
  const rp = obj(r.requestParameters);
  const id = identity(r);
  const sessionArn = text(obj(re?.assumedRoleUser)?.arn) ?? text(obj(re?.federatedUser)?.arn);
  const sourceIdentity =
    text(rp?.sourceIdentity) ?? text(re?.sourceIdentity) ?? text(obj(id?.sessionContext)?.sourceIdentity);
  const time = text(r.eventTime);
  if (!time) return null;
  return {
    key,
    parentKey: sessionKeyOf(r),
    origin: originOf(r),
    sessionArn,
    sourceIdentity,
    eventName: text(r.eventName),
    time,
    account: text(r.recipientAccountId) ?? text(id?.accountId),
  };
}

/**
 * What the loader needs of an event to set its actor, as one short JSON string per event (it
 * travels from a decode worker with the event's COPY line): `a` its actor when the record names
 * it, `k` the session key to follow otherwise, `i` the credentials it issued. null: none of these.
 */
export interface CredentialLink {
  a?: string;
  k?: string;
  i?: Issuance;
}

export function credentialLinkOf(r: CloudTrailRecord): string | null {
  const link: CredentialLink = {};
  const a = originOf(r);
  if (a) link.a = a;
  else {
    const k = sessionKeyOf(r);
    if (k) link.k = k;
  }
  const i = issuanceOf(r);
  if (i) link.i = i;
  return link.a || link.k || link.i ? JSON.stringify(link) : null;
}

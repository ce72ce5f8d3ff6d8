// AWS credentials of the S3 and LookupEvents sources. Trailscope never stores an AWS secret: a
// source signs with the SDK's default chain (environment, shared files, SSO, instance/container
// roles), a named `profile`, or — with `roleArn` — temporary credentials of a role assumed into
// another account (STS AssumeRole, signed by the chain or the profile). STS is reached at its
// regional endpoint unless AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) says otherwise, as the SDK
// does for every service.
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";

/**
 * An IAM role ARN: partition, 12-digit account, optional path, role name (IAM's own character set,
 * 1-64 characters). Anything else is refused before a request is made.
 */
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

export function isRoleArn(value: string): boolean {
  return value.length <= 2048 && ROLE_ARN.test(value);
}

/** The account a role ARN belongs to. */
export function roleAccount(roleArn: string): string {
  return roleArn.split(":")[4];
}

/**
 * The session name the role is assumed under: it is what the target account's own CloudTrail
 * shows as the username of Trailscope's requests (LookupEvents, GetObject), so it says who.
 */
export const ROLE_SESSION_NAME = "trailscope-sync";

export interface SourceCredentialOptions {
  profile?: string;
  roleArn?: string;
  /** Region of the client (STS is called in the same region: a regional endpoint). */
  region: string;
}

/**
 * What to give an SDK client as `credentials`: nothing (the client's own chain, which honours its
 * `profile`) or a role-assuming provider. The client caches the assumed credentials and assumes the
 * role again shortly before they expire.
 */
export function sourceCredentials(opts: SourceCredentialOptions): ReturnType<typeof fromTemporaryCredentials> | undefined {
  if (!opts.roleArn) return undefined;
  return fromTemporaryCredentials({
    params: { RoleArn: opts.roleArn, RoleSessionName: ROLE_SESSION_NAME },
    // The credentials that assume the role: the profile's when one is named, else the default chain.
    masterCredentials: fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {}),
    clientConfig: { region: opts.region },
  });
}

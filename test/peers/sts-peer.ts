// A wire-level fake of AWS STS AssumeRole for integration tests: a node:http server speaking the
// AWS Query protocol the SDK's STS client uses (POST / with a form body Action=AssumeRole&
// Version=2011-06-15&RoleArn=…&RoleSessionName=…, SigV4-signed, XML responses and XML errors), so
// the real `fromTemporaryCredentials` of @aws-sdk/credential-providers runs end to end against it
// (point AWS_ENDPOINT_URL_STS at `url`).
//
// It issues fresh temporary credentials (ASIA… access key, secret, session token) per call and
// remembers which role each access key belongs to, so a test can tell from another peer's recorded
// SigV4 `Credential=<access key>/…` which role signed a request (`roleOf`). Roles must be allowed
// first (`allowRole`); any other answers AccessDenied, as a role whose trust policy does not name the
// caller would. Signatures are not verified, but requests must look signed.
//
// Node built-ins only.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface AssumeRoleCall {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  externalId?: string;
  /** Access key id of the credentials that signed the AssumeRole request. */
  callerAccessKeyId: string;
  /** Signing region of the request. */
  region: string;
  /** HTTP status answered. */
  status: number;
  /** The access key id issued (successful calls only). */
  issuedAccessKeyId?: string;
}

export interface IssuedCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface StsPeer {
  /** e.g. http://127.0.0.1:41234 — set AWS_ENDPOINT_URL_STS to it. */
  readonly url: string;
  /** Every AssumeRole request, in arrival order (refused ones too). */
  readonly calls: AssumeRoleCall[];
  /** Let callers assume this role. */
  allowRole(roleArn: string): void;
  /** Credentials issued so far, by access key id. */
  readonly issued: Map<string, IssuedCredentials>;
  /** The role whose issued credentials signed a request with this Authorization header, if any. */
  roleOf(authorization: string | undefined): string | undefined;
  close(): Promise<void>;
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
// Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request
const CREDENTIAL_RE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The access key id named by a SigV4 Authorization header, if it is one. */
export function signingAccessKeyId(authorization: string | undefined): string | undefined {
  return authorization ? CREDENTIAL_RE.exec(authorization)?.[1] : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

const keyChars = () => randomBytes(16).toString("hex").toUpperCase().slice(0, 16);

export async function startStsPeer(): Promise<StsPeer> {
  const calls: AssumeRoleCall[] = [];
  const issued = new Map<string, IssuedCredentials>();
  const allowed = new Set<string>();

  const send = (res: ServerResponse, status: number, xml: string) => {
    res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID(), "content-length": Buffer.byteLength(xml) });
    res.end(xml);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    let call: AssumeRoleCall | undefined;
    try {
      if (req.method !== "POST") throw new StsError(405, "MethodNotAllowed", "STS takes POST");
      const sig = CREDENTIAL_RE.exec(String(req.headers.authorization ?? ""));
      if (!sig) throw new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
      if (sig[4] !== "sts") throw new StsError(403, "SignatureDoesNotMatch", `Credential should be scoped to correct service: 'sts'`);
      const form = new URLSearchParams(body);
      if (form.get("Action") !== "AssumeRole") throw new StsError(400, "InvalidAction", `Could not find operation ${form.get("Action")} for version ${form.get("Version")}`);
      if (form.get("Version") !== "2011-06-15") throw new StsError(400, "InvalidAction", `Could not find operation for version ${form.get("Version")}`);
      const roleArn = form.get("RoleArn") ?? "";
      const roleSessionName = form.get("RoleSessionName") ?? "";
      const durationSeconds = Number(form.get("DurationSeconds") ?? 3600);
      call = { roleArn, roleSessionName, durationSeconds, externalId: form.get("ExternalId") ?? undefined, callerAccessKeyId: sig[1], region: sig[3], status: 0 };
      calls.push(call);
      if (!ROLE_ARN.test(roleArn)) throw new StsError(400, "ValidationError", `${roleArn} is invalid`);
      if (!SESSION_NAME.test(roleSessionName)) throw new StsError(400, "ValidationError", `1 validation error detected: Value '${roleSessionName}' at 'roleSessionName' failed to satisfy constraint`);
      if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
        throw new StsError(400, "ValidationError", `1 validation error detected: Value '${form.get("DurationSeconds")}' at 'durationSeconds' failed to satisfy constraint`);
      }
      if (!allowed.has(roleArn)) throw new StsError(403, "AccessDenied", `User: arn:aws:iam::000000000000:user/${sig[1]} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);

      const creds: IssuedCredentials = {
        roleArn,
        accessKeyId: `ASIA${keyChars()}`,
        secretAccessKey: randomBytes(30).toString("base64"),
        sessionToken: randomBytes(96).toString("base64"),
        expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + durationSeconds * 1000),
      };
      issued.set(creds.accessKeyId, creds);
      call.status = 200;
      call.issuedAccessKeyId = creds.accessKeyId;
      const [, , , , account, resource] = roleArn.split(":");
      const roleName = resource.slice(resource.lastIndexOf("/") + 1);
      const roleId = `AROA${keyChars()}`;
      send(
        res,
        200,
        `<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <SourceIdentity/>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(roleSessionName)}</Arn>
      <AssumedRoleId>${roleId}:${xmlEscape(roleSessionName)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${creds.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(creds.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(creds.sessionToken)}</SessionToken>
      <Expiration>${creds.expiration.toISOString()}</Expiration>
    </Credentials>
    <PackedPolicySize>0</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`,
      );
    } catch (err) {
      const e = err instanceof StsError ? err : new StsError(500, "InternalFailure", "internal failure", "Receiver");
      if (call) call.status = e.status;
      send(
        res,
        e.status,
        `<ErrorResponse xmlns="${NS}">
  <Error>
    <Type>${e.type}</Type>
    <Code>${e.code}</Code>
    <Message>${xmlEscape(e.message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>
`,
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    issued,
    allowRole: (roleArn) => void allowed.add(roleArn),
    roleOf: (authorization) => {
      const key = signingAccessKeyId(authorization);
      return key ? issued.get(key)?.roleArn : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The sources `npm start` syncs in the background: TRAILSCOPE_SOURCES (fixed for the life of the
// process, shown as "from environment") and the sources admins add in the console (table
// `sources`: add, pause/resume, remove, "sync now"). Every change is audited. No secret is ever
// stored: a URI holding credentials is refused — AWS access comes from the SDK chain, a `profile`,
// or a role to assume (`roleArn`).
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { AuditInput } from "../auth/audit";
import { audit } from "../auth/audit";
import { parseSource } from "../ingest/sources";
import type { Db } from "../store/db";
import { configuredSources } from "./config";

export type SourceOrigin = "environment" | "console";

export interface ConfiguredSource {
  /** The console entry's id (the /api/sources/<id> routes); null for TRAILSCOPE_SOURCES. */
  id: string | null;
  /** The canonical source id: what sync runs, cursors and GET /api/sync name it by. */
  source: string;
  /** The URI as configured (an environment URI that holds credentials is shown as its id). */
  uri: string;
  origin: SourceOrigin;
  paused: boolean;
  createdBy: string | null;
  createdAt: Date | null;
  /** When "Sync now" was last asked for. */
  syncRequestedAt: Date | null;
}

/** A refusal the API answers with its status: 400 (invalid), 404 (no such source), 409 (conflict). */
export class SourceInputError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "SourceInputError";
  }
}

export type SourceActor = Pick<AuditInput, "actorKind" | "actorId" | "actorName" | "ip">;

const MAX_URI_LENGTH = 2048;

/** Option names that only a credential would use (access keys, secrets, tokens, presigned URLs). */
const CREDENTIAL_PARAM = /access.?key|secret|session.?token|security.?token|password|passwd|credential|signature|^token$|^x-amz-/i;
/** An AWS access key id: long-term (AKIA…), temporary (ASIA…), and the bearer/context-specific kinds. */
const ACCESS_KEY_ID = /(?:^|[^A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?:$|[^A-Z0-9])/;
/** A secret access key's shape (40 characters of base64) as a whole option value. */
const SECRET_KEY = /^[A-Za-z0-9/+]{40}$/;

const STORED_NOTHING = "Trailscope stores no AWS secret: use the SDK's credential chain on the server, a profile (lookup://…?profile=…) or a role to assume (roleArn=arn:aws:iam::<account>:role/<name>)";

/**
 * Why a source URI must not be stored, or null. The message never repeats the secret: it may end
 * up in a response, a log line or the audit trail.
 */
export function credentialProblem(uri: string): string | null {
  let decoded = uri;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    // keep it as written
  }
  if (ACCESS_KEY_ID.test(uri) || ACCESS_KEY_ID.test(decoded)) return `the URI holds what looks like an AWS access key id. ${STORED_NOTHING}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return null;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return null; // not a URL: parseSource says why
  }
  if (u.username || u.password) return `the URI holds a user name or password (user:password@). ${STORED_NOTHING}`;
  for (const [name, value] of u.searchParams) {
    if (CREDENTIAL_PARAM.test(name)) return `the option "${name}" would hold a credential. ${STORED_NOTHING}`;
    if (SECRET_KEY.test(value)) return `the option "${name}" holds what looks like a secret access key. ${STORED_NOTHING}`;
  }
  return null;
}

/** A console URI checked and parsed: its canonical id, or a 400 naming why not. */
export function validateConsoleUri(input: unknown): { uri: string; source: string } {
  if (typeof input !== "string" || !input.trim()) throw new SourceInputError(400, "uri: give a source URI (a folder path, s3://bucket/prefix or lookup://region)");
  const uri = input.trim();
  if (uri.length > MAX_URI_LENGTH) throw new SourceInputError(400, `uri: at most ${MAX_URI_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(uri)) throw new SourceInputError(400, "uri: control characters are not allowed");
  const problem = credentialProblem(uri);
  if (problem) throw new SourceInputError(400, `uri: ${problem}`);
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith("file:");
  if (!isUrl) {
    // A folder is read by the `npm start` process: a relative path would depend on where it runs.
    const p = uri.startsWith("file:") ? uri.slice("file:".length).replace(/^\/\/(?=\/)/, "") : uri;
    if (!path.isAbsolute(p)) throw new SourceInputError(400, `uri: "${uri}" is a relative path; give the folder's or file's absolute path on the server`);
  }
  try {
    return { uri, source: parseSource(uri).id };
  } catch (err) {
    throw new SourceInputError(400, `uri: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** TRAILSCOPE_SOURCES with their canonical ids (an invalid URI keeps its text as id, as sync runs record it). */
export function environmentSources(env: Record<string, string | undefined> = process.env): ConfiguredSource[] {
  return configuredSources(env).map((uri) => {
    let source = uri;
    try {
      source = parseSource(uri).id;
    } catch {
      // reported when the scheduler runs it
    }
    return { id: null, source, uri: credentialProblem(uri) ? source : uri, origin: "environment", paused: false, createdBy: null, createdAt: null, syncRequestedAt: null };
  });
}

type SourceRow = { id: string; uri: string; sourceId: string; paused: boolean; createdBy: string; createdAt: Date; syncRequestedAt: Date | null };

function consoleSource(r: SourceRow): ConfiguredSource {
  return { id: r.id, source: r.sourceId, uri: r.uri, origin: "console", paused: r.paused, createdBy: r.createdBy, createdAt: r.createdAt, syncRequestedAt: r.syncRequestedAt };
}

/** The console's sources, oldest first. */
export async function consoleSources(db: Db, where: { paused?: boolean } = {}): Promise<ConfiguredSource[]> {
  const rows = await db.prisma.source.findMany({ where, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(consoleSource);
}

/** Every configured source: TRAILSCOPE_SOURCES first, then the console's, oldest first. */
export async function listSources(db: Db, env: Record<string, string | undefined> = process.env): Promise<ConfiguredSource[]> {
  return [...environmentSources(env), ...(await consoleSources(db))];
}

export async function getSource(db: Db, id: string): Promise<ConfiguredSource | null> {
  if (!/^[\w-]{1,64}$/.test(id)) return null;
  const r = await db.prisma.source.findUnique({ where: { id } });
  return r && consoleSource(r);
}

/** Adds a console source (optionally paused), or refuses: 400 invalid or holding credentials, 409 already configured. */
export async function addSource(
  db: Db,
  input: unknown,
  actor: SourceActor,
  opts: { paused?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<ConfiguredSource> {
  const env = opts.env ?? process.env;
  const { uri, source } = validateConsoleUri(input);
  if (environmentSources(env).some((s) => s.source === source)) throw new SourceInputError(409, `${source} is already synced from TRAILSCOPE_SOURCES`);
  if (!actor.actorId) throw new Error("a console source needs the admin who adds it");
  let row: SourceRow;
  try {
    row = await db.prisma.source.create({ data: { id: randomBytes(9).toString("base64url"), uri, sourceId: source, paused: opts.paused ?? false, createdBy: actor.actorId } });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new SourceInputError(409, `${source} is already a source`);
    throw err;
  }
  await audit(db, { ...actor, action: "source-add", target: source, detail: { id: row.id, uri, paused: row.paused } });
  return consoleSource(row);
}

/** Pauses or resumes a console source; null when there is none of that id. */
export async function setPaused(db: Db, id: string, paused: boolean, actor: SourceActor): Promise<ConfiguredSource | null> {
  const before = await getSource(db, id);
  if (!before) return null;
  const row = await db.prisma.source.update({ where: { id }, data: { paused } });
  if (before.paused !== paused) await audit(db, { ...actor, action: paused ? "source-pause" : "source-resume", target: row.sourceId, detail: { id } });
  return consoleSource(row);
}

/**
 * Removes a console source: it is no longer synced (a run in progress finishes). Its events, sync
 * runs and cursors stay, so adding it again goes on where it left off.
 */
export async function removeSource(db: Db, id: string, actor: SourceActor): Promise<boolean> {
  const before = await getSource(db, id);
  if (!before) return false;
  const { count } = await db.prisma.source.deleteMany({ where: { id } });
  if (count) await audit(db, { ...actor, action: "source-remove", target: before.source, detail: { id, uri: before.uri } });
  return count > 0;
}

/**
 * "Sync now": the scheduler of `npm start` runs the source as soon as it is free (it looks every
 * couple of seconds). A paused source is refused (409): resume it first.
 */
export async function requestSync(db: Db, id: string, actor: SourceActor, at = new Date()): Promise<ConfiguredSource | null> {
  const before = await getSource(db, id);
  if (!before) return null;
  if (before.paused) throw new SourceInputError(409, `${before.source} is paused; resume it to sync it`);
  const row = await db.prisma.source.update({ where: { id }, data: { syncRequestedAt: at } });
  await audit(db, { ...actor, action: "source-sync-now", target: row.sourceId, detail: { id } });
  return consoleSource(row);
}

// Passwords of the embedded PostgreSQL's roles. Each lives in its own file, mode 0600, owned by
// whoever runs Trailscope (root or the invoking user), next to the server's data folder rather than
// inside it: initdb wants an empty folder, the server (user `postgres` when we run as root) never
// needs them, and a copy of the data folder does not carry them along. They are never printed.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { chmod, link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

export interface SecretFiles {
  /** the `postgres` superuser's password: for setting the server up, never for the app */
  superuser: string;
  /** the `trailscope` role's password: what the web server, sync and migrations connect with */
  app: string;
}

export function secretFiles(dataDir: string): SecretFiles {
  const base = path.dirname(dataDir);
  return {
    superuser: path.join(base, "pg-superuser.secret"),
    app: path.join(base, "pg-trailscope.secret"),
  };
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

/** The secret in `file`, or undefined when there is no such file. */
export async function readSecret(file: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  // Someone loosened it (a copy, a restore): tighten it again rather than keep using it readable.
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    await chmod(file, 0o600).catch((err: Error) => {
      throw new Error(`${file} is readable by other users and could not be made private (${err.message})`);
    });
  }
  const secret = (await readFile(file, "utf8")).trim();
  if (!secret) throw new Error(`${file} is empty; delete it only if the embedded PostgreSQL's data is gone too`);
  return secret;
}

/**
 * The secret in `file`, created (random) when missing. Several processes may start at once
 * (`npm start` and `npm run sync`): the file appears atomically with its full content (hard link
 * of a private temporary file), and whoever loses the race reads the winner's secret, so the file
 * is the one truth every process then makes the server agree with.
 */
export async function readOrCreateSecret(file: string): Promise<string> {
  const existing = await readSecret(file);
  if (existing) return existing;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return (await readSecret(file))!;
}

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as libpq's
 * PQencryptPasswordConn makes it): ALTER ROLE … PASSWORD takes it as is, so the password itself
 * never travels to the server or into its logs. Our passwords are ASCII, which SASLprep leaves alone.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest("base64");
  const serverKey = hmac(salted, "Server Key").toString("base64");
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey}:${serverKey}`;
}

/** Whether a stored verifier (pg_authid.rolpassword) is the one of `password`. */
export function verifierMatches(verifier: string | null, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$[^:]+:.+$/.exec(verifier ?? "");
  return m !== null && scramVerifier(password, Buffer.from(m[2], "base64"), Number(m[1])) === verifier;
}

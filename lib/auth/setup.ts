// First run: while the console has no user, `npm start` prints a one-time setup link (like Jenkins
// or Gitea) and the first visitor who holds it creates the admin. TRAILSCOPE_ADMIN_EMAIL and
// TRAILSCOPE_ADMIN_PASSWORD create that admin instead, for automation.
import { randomBytes } from "node:crypto";
import type { Db } from "../store/db";
import { hashToken } from "./tokens-hash";
import { countUsers, upsertUser } from "./users";

const SETUP_ID = "trailscope-setup";
const SETUP_HOURS = 24;

/** A new setup token (replacing any earlier one), or null when the console already has users. */
export async function issueSetupToken(db: Db): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null;
  const token = randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + SETUP_HOURS * 3600_000);
  await db.prisma.$transaction([
    db.prisma.verification.deleteMany({ where: { identifier: SETUP_ID } }),
    db.prisma.verification.create({ data: { id: SETUP_ID, identifier: SETUP_ID, value: hashToken(token), expiresAt } }),
  ]);
  return token;
}

export async function setupTokenValid(db: Db, token: string): Promise<boolean> {
  if ((await countUsers(db)) > 0) return false;
  const v = await db.prisma.verification.findUnique({ where: { id: SETUP_ID } });
  return !!v && v.value === hashToken(token) && v.expiresAt.getTime() > Date.now();
}

export class SetupError extends Error {}

/** Creates the first admin with a valid setup token; the token is used up by it. */
export async function completeSetup(db: Db, token: string, admin: { email: string; name?: string; password: string }, ip: string | null) {
  // Deleting the row is the claim: of two visitors racing with the same token, one deletes it.
  const claimed = await db.prisma.verification.deleteMany({ where: { id: SETUP_ID, value: hashToken(token), expiresAt: { gt: new Date() } } });
  if (claimed.count !== 1 || (await countUsers(db)) > 0) throw new SetupError("this setup link is no longer valid (the console has an admin already, or the link expired: restart `npm start` for a new one)");
  try {
    return await upsertUser(db, { ...admin, role: "admin", accounts: null }, { actorKind: "anonymous", actorName: admin.email, ip });
  } catch (err) {
    // Nothing was created (a too-short password, a bad email): give the token back.
    await db.prisma.verification.create({ data: { id: SETUP_ID, identifier: SETUP_ID, value: hashToken(token), expiresAt: new Date(Date.now() + SETUP_HOURS * 3600_000) } });
    throw new SetupError((err as Error).message);
  }
}

/** TRAILSCOPE_ADMIN_EMAIL / TRAILSCOPE_ADMIN_PASSWORD: the first admin, when the console has no user. */
export async function bootstrapAdminFromEnv(db: Db, env = process.env): Promise<string | null> {
  const email = env.TRAILSCOPE_ADMIN_EMAIL?.trim();
  const password = env.TRAILSCOPE_ADMIN_PASSWORD;
  if (!email && !password) return null;
  if (!email || !password) throw new Error("TRAILSCOPE_ADMIN_EMAIL and TRAILSCOPE_ADMIN_PASSWORD go together");
  if ((await countUsers(db)) > 0) return null;
  await upsertUser(db, { email, password, role: "admin", accounts: null }, { actorKind: "system", actorName: "TRAILSCOPE_ADMIN_EMAIL" });
  return email;
}

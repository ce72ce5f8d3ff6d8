// `npm run admin -- …`: users, roles, account scopes and API tokens from the command line
// (CONTRACT.md). Works on the same database `npm start` uses (DATABASE_URL or the embedded one).
//   user add <email> --role admin|analyst|auditor [--accounts <id>,<id>…] [--name <name>]
//        creates the user or updates its role and scope (no --accounts: every account);
//        a password piped on stdin becomes the user's password
//   user list
//   token create <email> [--name <name>]   prints a new API token (its only appearance)
//   ip-ranges refresh [<file or https URL>]  stores a newer AWS ip-ranges.json snapshot for
//        source IP classes (default: AWS's URL); ip-ranges show: the snapshot in use
//   enrichment backfill   classifies events stored before enrichment existed, to the end, with
//        progress (`npm start` does it in the background)
import { parseArgs } from "node:util";
import { isRole } from "../lib/auth/roles";
import { createToken, listUsers, SYSTEM, upsertUser } from "../lib/auth/users";
import { openDb } from "../lib/store/db";
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";
import { activeRanges, DEFAULT_RANGES_URL, refreshRanges } from "../lib/enrich/ranges-store";
import { SHIPPED_RANGES } from "../lib/enrich/enrich";
import { prefixCount } from "../lib/enrich/ip-ranges";
import { runBackfill } from "../lib/enrich/backfill";

const USAGE = `usage:
  npm run admin -- user add <email> --role admin|analyst|auditor [--accounts <id>,<id>…] [--name <name>]   (password on stdin, optional)
  npm run admin -- user list
  npm run admin -- token create <email> [--name <name>]
  npm run admin -- ip-ranges refresh [<file or https URL>]   (default ${DEFAULT_RANGES_URL})
  npm run admin -- ip-ranges show
  npm run admin -- enrichment backfill`;

async function stdinText(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  return text === "" ? undefined : text;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: "string" }, accounts: { type: "string" }, name: { type: "string" } },
  });
  const [noun, verb, email] = positionals;
  const handle = await ensureDatabase({ log: () => {} });
  await migrate(handle.url);
  const db = openDb(handle.url, { max: 2 });
  try {
    if (noun === "user" && verb === "add" && email) {
      if (!isRole(values.role)) throw new Error(`--role: must be admin, analyst or auditor`);
      const accounts = values.accounts === undefined ? null : values.accounts.split(",").map((s) => s.trim()).filter(Boolean);
      if (accounts && accounts.length === 0) throw new Error("--accounts: give at least one 12-digit account ID (leave --accounts out for every account)");
      const password = await stdinText();
      const { user, created } = await upsertUser(db, { email, role: values.role, accounts, name: values.name, password }, SYSTEM);
      console.error(`${created ? "created" : "updated"} ${user.email}: ${user.role}, ${user.accounts ? `accounts ${user.accounts.join(", ")}` : "every account"}${password ? ", password set" : ""}`);
      return 0;
    }
    if (noun === "user" && verb === "list") {
      for (const u of await listUsers(db)) console.log(`${u.email}\t${u.role ?? "-"}\t${u.accounts ? u.accounts.join(",") : "all"}${u.disabled ? "\tdisabled" : ""}`);
      return 0;
    }
    if (noun === "token" && verb === "create" && email) {
      const user = await db.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
      if (!user) throw new Error(`no user ${email} (add one with: npm run admin -- user add ${email} --role auditor)`);
      const { key } = await createToken(db, user.id, values.name ?? "created with npm run admin", SYSTEM);
      console.log(key);
      return 0;
    }
    if (noun === "ip-ranges" && verb === "refresh" && positionals.length <= 3) {
      const from = positionals[2] ?? DEFAULT_RANGES_URL;
      const r = await refreshRanges(db.pool, from);
      const read = `${from}: syncToken ${r.read.syncToken} (${r.read.createDate}), ${r.read.prefixes} prefixes`;
      if (r.stored) console.error(`stored ${read}; new events are classified with it (events already stored keep their class)`);
      else console.error(`${read}: not newer than the snapshot in use (syncToken ${r.active.syncToken}, ${r.active.createDate}, from ${r.active.source}); nothing stored`);
      return 0;
    }
    if (noun === "ip-ranges" && verb === "show" && positionals.length === 2) {
      const a = await activeRanges(db.pool);
      const shipped = a.syncToken === SHIPPED_RANGES.syncToken;
      console.log(`syncToken ${a.syncToken}\tcreateDate ${a.createDate}\t${prefixCount(a)} prefixes\t${shipped ? "shipped with Trailscope (data/aws-ip-ranges.json)" : `refreshed from ${a.source}`}`);
      return 0;
    }
    if (noun === "enrichment" && verb === "backfill" && positionals.length === 2) {
      const s = await runBackfill(db.pool, { pauseMs: 0, log: (m) => console.error(m) });
      console.error(`enrichment backfill ${s.finished ? "done" : "stopped"}: ${s.classified} events classified`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await db.close();
    await handle.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`admin: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

// `npm run demo [-- --events N --days D --force]`: fills an empty database with realistic generated
// CloudTrail events (several accounts and regions, many principals, errors, data and Insights
// events) written as trail log files and loaded through the real folder sync, so the console,
// its sync status and its exports all have something true to show.
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { writeAwsLogsCorpus } from "../lib/demo/corpus";
import { generateDigestKeyPair } from "../lib/demo/digest-signing";
import { FOLDER_KEYS_FILE, SIDECAR_SUFFIX } from "../lib/integrity/folder-keys";
import { DEFAULT_ACCOUNTS, DEFAULT_ORG_ID, DEMO_STORY, demoStoryTimes } from "../lib/demo/generate";
import { attackStory, writeAttackWave } from "../lib/demo/attack";
import { sendQueuedAlerts } from "./cli";
import { formatSummary, runSync } from "../lib/ingest/engine";
import { stderrRenderer } from "../lib/ingest/progress";
import { FolderSource } from "../lib/ingest/sources/folder";
import { openDb, type Db } from "../lib/store/db";
import { accessSettings } from "../lib/auth/settings";
import { countUsers } from "../lib/auth/users";
import { ensureDatabase } from "../lib/store/embedded";
import { migrate } from "../lib/store/migrate";

/** How a newcomer gets into the console to see the demo: the demo itself creates no user. */
async function signInHint(db: Db): Promise<string> {
  const users = await countUsers(db);
  if (users > 0) return `Sign in at ${accessSettings().baseUrl}/sign-in with your account (an admin adds users: npm run admin -- user add <email> --role auditor).`;
  return "The console has no user yet: `npm start` prints a one-time setup link to create the first admin (or set TRAILSCOPE_ADMIN_EMAIL and TRAILSCOPE_ADMIN_PASSWORD).";
}

/**
 * `npm run demo -- --attack`: a new wave of the planted intrusion (lib/demo/attack.ts), written now
 * into the demo's folder and synced like any other delivery — what a watch on its detections sees.
 */
async function plantAttack(): Promise<number> {
  const handle = await ensureDatabase();
  await migrate(handle.url);
  const db = openDb(handle.url, { max: 4 });
  const dir = path.resolve(process.env.TRAILSCOPE_DATA_DIR ?? ".data", "demo-logs");
  try {
    // Started ten minutes ago, so its last step (eight minutes in) is not in the future.
    const files = await writeAttackWave(dir, DEFAULT_ACCOUNTS, DEFAULT_ORG_ID, new Date(Date.now() - 10 * 60_000));
    process.stderr.write(`Planted a new wave of the intrusion: ${files.length} log file(s) under ${dir}; syncing…\n`);
    const summary = await runSync(db, new FolderSource(dir), { renderer: stderrRenderer() });
    process.stderr.write(formatSummary(summary) + "\n");
    // Watches on what it trips hear of it now, as after any one-shot sync.
    await sendQueuedAlerts(db);
    const story = attackStory(DEFAULT_ACCOUNTS);
    process.stderr.write(`\nThe identity behind it: /events?actor=${encodeURIComponent(story.userArn)}\n`);
    return summary.ok ? 0 : 1;
  } finally {
    await db.close();
    await handle.stop();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      events: { type: "string", default: "60000" },
      days: { type: "string", default: "30" },
      seed: { type: "string", default: "42" },
      force: { type: "boolean", default: false },
      attack: { type: "boolean", default: false },
    },
  });
  if (values.attack) return plantAttack();
  const count = Number(values.events);
  const days = Number(values.days);
  if (!Number.isInteger(count) || count < 1 || !(days > 0)) throw new Error("--events must be a positive whole number and --days positive");

  const handle = await ensureDatabase();
  await migrate(handle.url);
  const db = openDb(handle.url, { max: 4 });
  // Kept under the data folder, so the demo source stays visible (and re-syncable) on /sync.
  const dir = path.resolve(process.env.TRAILSCOPE_DATA_DIR ?? ".data", "demo-logs");
  try {
    const existing = (await db.pool.query(`SELECT count(*)::bigint AS n FROM events`)).rows[0].n as number;
    if (existing > 0 && !values.force) {
      process.stderr.write(`The database already holds ${existing.toLocaleString("en-US")} events; demo data goes only into an empty one (use --force to add it anyway).\n`);
      return 0;
    }
    const end = new Date();
    const start = new Date(end.getTime() - days * 86400e3);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    process.stderr.write(`Generating ${count.toLocaleString("en-US")} events over the last ${days} days…\n`);
    // Digests signed as CloudTrail signs them, with a key made for this demo. A folder has no S3
    // metadata, so each digest's signature goes beside it as `aws s3api head-object` would print
    // it, and the key as `aws cloudtrail list-public-keys` would (lib/integrity/folder-keys.ts).
    const key = generateDigestKeyPair();
    const sidecars: Promise<void>[] = [];
    const written = await writeAwsLogsCorpus(dir, {
      count,
      seed: Number(values.seed),
      start,
      end,
      signer: key,
      onFile: (f) => {
        if (f.kind === "digest" && f.metadata) sidecars.push(writeFile(path.join(dir, ...f.key.split("/")) + SIDECAR_SUFFIX, JSON.stringify({ Metadata: f.metadata }, null, 2)));
      },
    });
    await Promise.all(sidecars);
    await writeFile(
      path.join(dir, FOLDER_KEYS_FILE),
      JSON.stringify({ PublicKeyList: [{ Value: key.publicKeyDer.toString("base64"), ValidityStartTime: start.toISOString(), ValidityEndTime: new Date(end.getTime() + 86400e3).toISOString(), Fingerprint: key.fingerprint }] }, null, 2),
    );
    process.stderr.write(`Wrote ${written.files.toLocaleString("en-US")} files (${written.logFiles.toLocaleString("en-US")} log files, ${written.digestFiles.toLocaleString("en-US")} digests); loading them…\n`);
    const summary = await runSync(db, new FolderSource(dir), { renderer: stderrRenderer() });
    const busy = demoStoryTimes({ start, end }).busyDay;
    process.stderr.write(formatSummary(summary) + "\n");
    process.stderr.write(
      [
        "",
        "Things to look for in the console:",
        `  who stopped logging last week:  /events?eventName=StopLogging&from=now-7d`,
        `  every AccessDenied of one role: /events?principalArn=${encodeURIComponent(DEMO_STORY.deniedSessionArn)}&errorCode=AccessDenied`,
        `  one access key's busy day:      /events?accessKeyId=${DEMO_STORY.busyAccessKeyId}&from=${busy.start.toISOString()}&to=${busy.end.toISOString()}`,
        `  the digest chain, verified:     /integrity   (alter a file under ${dir}, then: npm run verify -- ${dir})`,
        `  an intrusion through two roles: /detections, then the person behind it: /events?actor=${encodeURIComponent(attackStory(DEFAULT_ACCOUNTS).userArn)}`,
        `  plant a new wave of it (alerts):  npm run demo -- --attack`,
        "",
        await signInHint(db),
        "",
      ].join("\n"),
    );
    return summary.ok ? 0 : 1;
  } finally {
    await db.close();
    await handle.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

// The e2e database: the hostile corpus (odd unicode, <script> in values, formula-looking cells)
// loaded through the real folder sync, so the browser sees what a user's sync would store.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { openDb } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { hostileCorpus, writeCorpus } from "../test/fixtures/hostile";
import { upsertUser } from "../lib/auth/users";
import { E2E_PASSWORD, E2E_USERS } from "./users";

export const XSS_EVENT_ID = "e2e-xss-0001";

export { E2E_PASSWORD, E2E_USERS } from "./users";

export async function seedE2eDatabase(url: string): Promise<void> {
  await migrate(url);
  const dir = await mkdtemp(path.join(tmpdir(), "trailscope-e2e-"));
  const db = openDb(url, { max: 2 });
  try {
    const corpus = hostileCorpus();
    const { gzipSync } = await import("node:zlib");
    corpus.files.push({
      key: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1200Z_e2e0000000000001.json.gz",
      bytes: gzipSync(
        JSON.stringify({
          Records: [
            {
              eventVersion: "1.11",
              eventID: XSS_EVENT_ID,
              eventTime: "2026-11-20T12:00:00Z",
              eventName: "<script>window.__xss=1</script>",
              eventSource: "iam.amazonaws.com",
              awsRegion: "us-east-1",
              recipientAccountId: "111122223333",
              userIdentity: { type: "IAMUser", userName: "=HYPERLINK(\"http://x\",\"y\")", arn: "arn:aws:iam::111122223333:user/x" },
              sourceIPAddress: "198.51.100.1",
              // A value that reads as "any value" unless escaped (the console links it as \*).
              userAgent: "*",
              errorCode: "AccessDenied",
            },
          ],
        }),
      ),
    });
    await writeCorpus(dir, corpus.files);
    const s = await runSync(db, parseSource(dir), { log: () => {} });
    if (!s.ok) throw new Error(`seeding failed: ${s.error}`);
    for (const u of Object.values(E2E_USERS)) {
      await upsertUser(db, { email: u.email, role: u.role, accounts: u.accounts ? [...u.accounts] : null, password: E2E_PASSWORD });
    }
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

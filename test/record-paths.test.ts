// The filter language's values inside the record (requestParameters.userName=bob …) and the
// derived iamTarget field: parsing and its 400s, then the same semantics as every other filter on
// a real PostgreSQL (exact and case-sensitive, `*`, `!` keeping events without a value, `!*`),
// everywhere filters work — lists, counts, CSV/NDJSON export, facets, share links — and URL helpers.
process.env.TRAILSCOPE_SECRET ??= "test-secret-0123456789abcdef0123456789abcdef";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { narrowWithinShare } from "../lib/auth/share-bounds";
import { exportStream } from "../lib/export/stream";
import { MAX_PATH_CHARS, MAX_PATH_SEGMENTS } from "../lib/fields";
import { runSync } from "../lib/ingest/engine";
import { parseSource } from "../lib/ingest/sources";
import { countEvents, listEvents } from "../lib/query/events";
import { facetCounts } from "../lib/query/facets";
import { ParamError, parseEventQuery } from "../lib/query/params";
import { SqlParams, whereClauses } from "../lib/query/sql";
import { openDb, type Db } from "../lib/store/db";
import { migrate } from "../lib/store/migrate";
import { clearFilters, filterChips, isFilterKey } from "../lib/view/url";
import { ACCT, alice, bob, rec, roleSession, root } from "./fixtures/detections";
import { createTestDatabase, type TestDatabase } from "./helpers/pg";
import { readAll } from "./helpers/stream";

const RECORDS = [
  rec("p-key-bob", "CreateAccessKey", { requestParameters: { userName: "bob" } }),
  rec("p-key-Bob", "CreateAccessKey", { requestParameters: { userName: "Bob" } }),
  rec("p-key-own", "CreateAccessKey", { userIdentity: bob, requestParameters: null }),
  rec("p-key-self", "CreateAccessKey", { requestParameters: { userName: "alice" } }),
  rec("p-key-root", "CreateAccessKey", { userIdentity: root, requestParameters: { userName: "bob" } }),
  rec("p-role-self", "PutRolePolicy", { userIdentity: roleSession("Deploy", "ci"), requestParameters: { roleName: "Deploy", policyName: "x" } }),
  rec("p-role-other", "PutRolePolicy", { userIdentity: roleSession("Deploy", "ci"), requestParameters: { roleName: "Lambda", policyName: "x" } }),
  rec("p-signin-yes", "ConsoleLogin", { responseElements: { ConsoleLogin: "Success" }, additionalEventData: { MFAUsed: "Yes" } }),
  rec("p-signin-no", "ConsoleLogin", { responseElements: { ConsoleLogin: "Success" }, additionalEventData: { MFAUsed: "No" } }),
  rec("p-signin-none", "ConsoleLogin", { responseElements: { ConsoleLogin: "Failure" } }),
  rec("p-invoked", "DescribeInstances", { userIdentity: { ...alice, invokedBy: "cloudformation.amazonaws.com" } }),
  rec("p-gd-off", "CreateDetector", { requestParameters: { enable: false, findingPublishingFrequency: "SIX_HOURS" } }),
  rec("p-sg", "AuthorizeSecurityGroupIngress", { requestParameters: { groupId: "sg-1", ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22 }] } } }),
  rec("p-quote", "CreateAccessKey", { requestParameters: { userName: "o'brien\"; DROP TABLE events; --" } }),
];

let tdb: TestDatabase;
let db: Db;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase("ts_paths");
  await migrate(tdb.url);
  db = openDb(tdb.url);
  dir = await mkdtemp(path.join(tmpdir(), "trailscope-paths-"));
  const folder = path.join(dir, `AWSLogs/${ACCT}/CloudTrail/us-east-1/2026/11/20`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, `${ACCT}_CloudTrail_us-east-1_20261120T0800Z_p.json`), JSON.stringify({ Records: RECORDS }));
  expect((await runSync(db, parseSource(dir), { log: () => {} })).ok).toBe(true);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function ids(query: string): Promise<string[]> {
  const page = await listEvents(db.pool, parseEventQuery(new URLSearchParams(query + "&limit=1000"), { paging: true }));
  return page.events.map((e) => e.eventID as string).sort();
}

function paramError(query: string): ParamError {
  try {
    parseEventQuery(new URLSearchParams(query));
  } catch (err) {
    if (err instanceof ParamError) return err;
    throw err;
  }
  throw new Error(`${query} parsed`);
}

describe("parsing", () => {
  it("reads a dotted path under one of the record's objects as a filter on the value there", () => {
    const q = parseEventQuery(new URLSearchParams("requestParameters.userName=bob&additionalEventData.MFAUsed=!Yes"));
    expect(q.filters.map((f) => [f.field.key, f.field.path, f.include.map((m) => m.value), f.exclude.map((m) => m.value)])).toEqual([
      ["requestParameters.userName", ["requestParameters", "userName"], ["bob"], []],
      ["additionalEventData.MFAUsed", ["additionalEventData", "MFAUsed"], [], ["Yes"]],
    ]);
  });

  it("refuses bad paths with a 400 naming the parameter and what is wrong", () => {
    expect(paramError("foo.bar=1")).toMatchObject({ param: "foo.bar", detail: expect.stringContaining("requestParameters") });
    expect(paramError("requestParameters..userName=1").detail).toMatch(/letters, digits/);
    expect(paramError("requestParameters.user%20name=1").detail).toMatch(/letters, digits/);
    expect(paramError("requestParameters.userName'--=1").detail).toMatch(/letters, digits/);
    expect(paramError("requestParameters.=1").detail).toMatch(/letters, digits/);
    const deep = "requestParameters" + ".a".repeat(MAX_PATH_SEGMENTS);
    expect(paramError(`${deep}=1`).detail).toMatch(new RegExp(`at most ${MAX_PATH_SEGMENTS} segments`));
    const long = "requestParameters." + "a".repeat(MAX_PATH_CHARS);
    const err = paramError(`${long}=1`);
    expect(err.detail).toMatch(new RegExp(`at most ${MAX_PATH_CHARS} characters`));
    expect(err.param.length).toBeLessThan(100); // the name is quoted bounded
    expect(paramError("requestParameters.userName=").detail).toBe("empty value");
    expect(paramError("iamTarget=mine").detail).toMatch(/self, other, none/);
  });

  it("binds the path as a parameter: no part of it is in the SQL text", () => {
    const p = new SqlParams();
    const sql = whereClauses(parseEventQuery(new URLSearchParams("requestParameters.userName=bob")), p).join(" AND ");
    expect(sql).toBe("(record #>> $1::text[]) = $2");
    expect(p.values).toEqual([["requestParameters", "userName"], "bob"]);
  });
});

describe("matching on PostgreSQL", () => {
  it("exact values, case-sensitive", async () => {
    expect(await ids("requestParameters.userName=bob")).toEqual(["p-key-bob", "p-key-root"]);
    expect(await ids("requestParameters.userName=Bob")).toEqual(["p-key-Bob"]);
    expect(await ids("requestParameters.userName=bob&requestParameters.userName=alice")).toEqual(["p-key-bob", "p-key-root", "p-key-self"]);
  });

  it("* wildcards, * any value, !* no value, ! keeps events without the value", async () => {
    expect(await ids("requestParameters.userName=b*")).toEqual(["p-key-bob", "p-key-root"]);
    expect(await ids("eventName=CreateAccessKey&requestParameters.userName=*")).toEqual(["p-key-Bob", "p-key-bob", "p-key-root", "p-key-self", "p-quote"]);
    expect(await ids("eventName=CreateAccessKey&requestParameters.userName=!*")).toEqual(["p-key-own"]);
    expect(await ids("eventName=ConsoleLogin&additionalEventData.MFAUsed=!Yes")).toEqual(["p-signin-no", "p-signin-none"]);
    expect(await ids("eventName=DescribeInstances&userIdentity.invokedBy=!*")).toEqual([]);
    expect(await ids("userIdentity.invokedBy=cloudformation.amazonaws.com")).toEqual(["p-invoked"]);
  });

  it("booleans and numbers as written, objects and arrays as their JSON text, array elements by index", async () => {
    expect(await ids("requestParameters.enable=false")).toEqual(["p-gd-off"]);
    expect(await ids("requestParameters.ipPermissions.items.0.fromPort=22")).toEqual(["p-sg"]);
    expect(await ids('requestParameters.ipPermissions=*"fromPort":22*')).toEqual(["p-sg"]);
    expect(await ids("responseElements.ConsoleLogin=Success")).toEqual(["p-signin-no", "p-signin-yes"]);
  });

  it("a value with quotes and SQL in it is only a value", async () => {
    expect(await ids(`requestParameters.userName=${encodeURIComponent("o'brien\"; DROP TABLE events; --")}`)).toEqual(["p-quote"]);
    expect(await countEvents(db.pool, parseEventQuery({}))).toBe(RECORDS.length);
  });

  it("iamTarget compares the IAM user or role a request names with the caller", async () => {
    expect(await ids("eventName=CreateAccessKey&iamTarget=other")).toEqual(["p-key-Bob", "p-key-bob", "p-key-root", "p-quote"]);
    expect(await ids("eventName=CreateAccessKey&iamTarget=self")).toEqual(["p-key-self"]);
    expect(await ids("eventName=CreateAccessKey&iamTarget=none")).toEqual(["p-key-own"]);
    expect(await ids("eventName=PutRolePolicy&iamTarget=self")).toEqual(["p-role-self"]);
    expect(await ids("eventName=PutRolePolicy&iamTarget=!self")).toEqual(["p-role-other"]);
    // The API's event shape carries the derived value.
    const page = await listEvents(db.pool, parseEventQuery(new URLSearchParams("eventID=p-role-self"), { paging: true }));
    expect(page.events[0].iamTarget).toBe("self");
  });
});

describe("everywhere filters work", () => {
  it("counts and exports (CSV through COPY, NDJSON) hold exactly the matches", async () => {
    const q = parseEventQuery(new URLSearchParams("requestParameters.userName=bob"));
    expect(await countEvents(db.pool, q)).toBe(2);
    const csv = await readAll(exportStream(db.pool, q, "csv"));
    expect(csv.trim().split("\r\n")).toHaveLength(3);
    const nd = (await readAll(exportStream(db.pool, q, "ndjson"))).trim().split("\n").map((l) => JSON.parse(l).eventID ?? JSON.parse(l).record?.eventID);
    expect(nd.sort()).toEqual(["p-key-bob", "p-key-root"]);
  });

  it("facets count under a path filter (and keep it: it is not their own field)", async () => {
    const facets = await facetCounts(db.pool, parseEventQuery(new URLSearchParams("additionalEventData.MFAUsed=!Yes&eventName=ConsoleLogin")), undefined, { rollups: false });
    const names = facets.find((f) => f.field === "eventName")!.values;
    // eventName's own filter is left out; the path filter is not: the three ConsoleLogin… minus the MFA one, plus others without MFAUsed.
    expect(names.find((v) => v.value === "ConsoleLogin")?.count).toBe(2);
  });

  it("a share link's path filter cannot be widened, and may be narrowed", () => {
    const share = new URLSearchParams("from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&asOf=2026-12-01T00:00:00Z&requestParameters.userName=bob");
    const now = new Date("2026-12-02T00:00:00Z");
    expect(() => narrowWithinShare(share, new URLSearchParams("requestParameters.userName=alice"), now)).toThrow(ParamError);
    expect(narrowWithinShare(share, new URLSearchParams("eventName=CreateAccessKey"), now).getAll("requestParameters.userName")).toEqual(["bob"]);
  });

  it("the timeline's URL helpers treat a path like any filter: a chip, cleared with the others", () => {
    expect(isFilterKey("requestParameters.userName")).toBe(true);
    expect(isFilterKey("foo.bar")).toBe(false);
    expect(filterChips("requestParameters.userName=!bob&columns=eventName")).toEqual([{ key: "requestParameters.userName", raw: "!bob", value: "bob", negate: true, label: "requestParameters.userName ≠ bob" }]);
    expect(clearFilters("requestParameters.userName=bob&from=now-7d").toString()).toBe("from=now-7d");
  });
});

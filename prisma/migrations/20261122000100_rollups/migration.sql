-- Rollups of `events` for the unfiltered histogram, match count and facet counts (see
-- lib/store/rollups.ts, which keeps them exact at every ingest commit from now on).

-- CreateTable
CREATE TABLE "event_minutes" (
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "events" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,

    CONSTRAINT "event_minutes_pkey" PRIMARY KEY ("minute")
);

-- CreateTable
CREATE TABLE "event_facet_hours" (
    "field" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "value" TEXT NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "event_facet_hours_pkey" PRIMARY KEY ("field","hour","value")
);

-- Backfill from the events already stored. The lock keeps a sync that is still running old code
-- from committing events the backfill would miss (it waits until this migration commits).
LOCK TABLE "events" IN SHARE MODE;

INSERT INTO "event_minutes" ("minute", "events", "errors")
SELECT date_trunc('minute', "event_time", 'UTC'), count(*), count("error_code")
  FROM "events"
 GROUP BY 1;

-- The facet fields of lib/fields.ts at the time of this migration (ROLLUP_FIELDS in
-- lib/store/rollups.ts). Events without a value are not stored (see schema.prisma).
INSERT INTO "event_facet_hours" ("field", "hour", "value", "events")
SELECT x.f, date_trunc('hour', e."event_time", 'UTC'), x.v, count(*)
  FROM "events" e
 CROSS JOIN LATERAL (VALUES
       ('username', e."username"),
       ('eventName', e."event_name"),
       ('eventSource', e."event_source"),
       ('awsRegion', e."aws_region"),
       ('accountId', e."recipient_account_id"),
       ('sourceIPAddress', e."source_ip_address"),
       ('errorCode', e."error_code"),
       ('readOnly', e."read_only"::text),
       ('identityType', e."identity_type"),
       ('principalArn', e."principal_arn"),
       ('eventType', e."event_type"),
       ('eventCategory', e."event_category")
     ) AS x(f, v)
 WHERE x.v IS NOT NULL
 GROUP BY 1, 2, 3;

-- A daily level of the facet rollup: facet counts over long ranges read whole days from it and
-- only the partial days' hours from event_facet_hours (see lib/store/rollups.ts, which keeps it
-- exact at every ingest commit from now on).

-- CreateTable
CREATE TABLE "event_facet_days" (
    "field" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "value" TEXT NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "event_facet_days_pkey" PRIMARY KEY ("field","day","value")
);

-- Backfill from the hourly rollup, which is exact. As in 20261122000100_rollups, the lock keeps a
-- sync that is still running old code from committing events the backfill would miss (it waits
-- until this migration commits); a commit's hours go with its events, so they wait too.
LOCK TABLE "events" IN SHARE MODE;

INSERT INTO "event_facet_days" ("field", "day", "value", "events")
SELECT "field", date_trunc('day', "hour", 'UTC'), "value", sum("events")
  FROM "event_facet_hours"
 GROUP BY 1, 2, 3;

-- Planner statistics now: lib/query/facets.ts estimates the rows a range reads from them.
ANALYZE "event_facet_days";

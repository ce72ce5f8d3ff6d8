-- A burst detection's alert (issue 22: secrets read in bulk can be watched): how many bursts new
-- events made or grew; its count is their events, stored before or since (lib/alerts/evaluate.ts).
-- AlterTable
ALTER TABLE "alerts" ADD COLUMN "bursts" INTEGER;

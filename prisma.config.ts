import path from "node:path";
import { defineConfig } from "prisma/config";

// Offline: the schema engine cannot be downloaded; generate works with a stub that fails loudly.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve("scripts/no-schema-engine.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/trailscope" },
});

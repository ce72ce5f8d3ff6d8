#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on our machines.
# It fails on purpose: `prisma migrate`/`db` must not silently succeed. Migrations are applied by
# lib/store/migrate.ts, which writes _prisma_migrations exactly as Prisma does.
echo "trailscope: the Prisma schema engine is not available here; use 'npm run migrate'" >&2
exit 1

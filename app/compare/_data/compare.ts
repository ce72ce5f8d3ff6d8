// One event of a comparison, through the same access-checked path as the detail page
// (lib/query/visible.ts): an event the principal may not see is not found, exactly as there.
import type pg from "pg";
import type { Access } from "../../../lib/auth/access";
import type { ComparedEvent } from "../../../components/compare/types";
import { getEventJson } from "../../../lib/query/events";
import { visibleEvent } from "../../../lib/query/visible";

export async function loadComparedEvent(pool: pg.Pool, access: Access, id: string): Promise<ComparedEvent | null> {
  const event = await visibleEvent(pool, access, id);
  if (!event) return null;
  const json = await getEventJson(pool, id);
  return json === null ? null : { id, event, json };
}

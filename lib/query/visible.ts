// One event as a principal may see it: the detail page, the side panel and /api/events/<id> all
// ask here, so an event of another account (or outside a share link's view) answers exactly like
// one that does not exist.
import type pg from "pg";
import { constrain, type Access } from "../auth/access";
import { getEventJson, listEvents, type ApiEvent } from "./events";
import { exactValue } from "./filter-value";
import { parseEventQuery } from "./params";

export async function visibleEvent(pool: pg.Pool, access: Access, id: string): Promise<ApiEvent | null> {
  const q = constrain(parseEventQuery(new URLSearchParams({ eventID: exactValue(id) })), access);
  q.limit = 1;
  return (await listEvents(pool, q)).events[0] ?? null;
}

/** The stored record of a visible event, else null. */
export async function visibleEventJson(pool: pg.Pool, access: Access, id: string): Promise<string | null> {
  return (await visibleEvent(pool, access, id)) ? getEventJson(pool, id) : null;
}

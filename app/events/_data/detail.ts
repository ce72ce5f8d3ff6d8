// Loads what the event detail shows, for the detail page and the timeline's side panel alike.
import type pg from "pg";
import type { EventDetailData } from "../../../components/detail/types";
import { getEventJson, listEvents, type ApiEvent } from "../../../lib/query/events";
import { parseEventQuery } from "../../../lib/query/params";
import { relatedEvents } from "../../../lib/query/related";
import { subjectOf } from "../../../lib/view/related";

export async function loadEventDetail(db: pg.Pool, id: string): Promise<EventDetailData | null> {
  const json = await getEventJson(db, id);
  if (json === null) return null;
  // The catalog's columns for this event through the list path, so the detail names fields exactly
  // as the table, the filters and the export do. (An id holding `*` would read as a pattern there;
  // such an id gets the record alone.)
  let event: ApiEvent | null = null;
  if (!id.includes("*") && !id.startsWith("!")) {
    const q = parseEventQuery(new URLSearchParams({ eventID: id }));
    q.limit = 1;
    event = (await listEvents(db, q)).events[0] ?? null;
  }
  const related = event ? await relatedEvents(db, subjectOf(id, event)) : [];
  return { id, json, event, related };
}

// Loads what the event detail shows, for the detail page and the timeline's side panel alike,
// as the principal may see it (lib/query/visible.ts): an event it may not see is not found.
import type pg from "pg";
import type { EventDetailData } from "../../../components/detail/types";
import type { Access } from "../../../lib/auth/access";
import { getEventJson } from "../../../lib/query/events";
import { relatedEvents } from "../../../lib/query/related";
import { visibleEvent } from "../../../lib/query/visible";
import { subjectOf } from "../../../lib/view/related";
import { logFileOf } from "../../../lib/integrity/log-file";
import { credentialChain } from "../../../lib/actors/chain";

export async function loadEventDetail(db: pg.Pool, access: Access, id: string): Promise<EventDetailData | null> {
  // The catalog's columns for this event through the list path, so the detail names fields exactly
  // as the table, the filters and the export do.
  const event = await visibleEvent(db, access, id);
  if (!event) return null;
  const json = await getEventJson(db, id);
  if (json === null) return null;
  const [related, chain, logFile] = await Promise.all([
    relatedEvents(db, subjectOf(id, event), access),
    credentialChain(db, access, event),
    logFileOf(db, id),
  ]);
  return { id, json, event, related, chain, logFile };
}

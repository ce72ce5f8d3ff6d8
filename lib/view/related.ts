// Which events count as related to one event, as timeline queries. Pure, so the server (detail
// page) and the browser (side panel, through /api/events) build exactly the same groups.
import { exactValue } from "../query/filter-value";
import { isoParam } from "./time";

export const RELATED_WINDOW_MS = 15 * 60e3;
export const RELATED_PER_GROUP = 10;

export interface RelatedQuery {
  id: "request" | "shared" | "accessKey" | "session";
  title: string;
  /** Timeline parameters for the group (the event itself is excluded when listing). */
  params: string;
}

export interface RelatedSubject {
  eventID: string;
  eventTime: string | null;
  requestID: string | null;
  sharedEventID: string | null;
  accessKeyId: string | null;
  principalArn: string | null;
}

function around(t: number): { from: string; to: string } {
  return { from: isoParam(t - RELATED_WINDOW_MS), to: isoParam(t + RELATED_WINDOW_MS) };
}

const present = (v: string | null): v is string => !!v;

export function relatedQueries(e: RelatedSubject): RelatedQuery[] {
  const out: RelatedQuery[] = [];
  const t = e.eventTime ? Date.parse(e.eventTime) : NaN;
  if (present(e.requestID)) out.push({ id: "request", title: "Same request ID", params: new URLSearchParams({ requestID: exactValue(e.requestID) }).toString() });
  if (present(e.sharedEventID)) out.push({ id: "shared", title: "Same shared event ID", params: new URLSearchParams({ sharedEventID: exactValue(e.sharedEventID) }).toString() });
  if (!Number.isNaN(t)) {
    if (present(e.accessKeyId)) out.push({ id: "accessKey", title: "Same access key, ±15 min", params: new URLSearchParams({ accessKeyId: exactValue(e.accessKeyId), ...around(t) }).toString() });
    if (present(e.principalArn)) out.push({ id: "session", title: "Same principal (session), ±15 min", params: new URLSearchParams({ principalArn: exactValue(e.principalArn), ...around(t) }).toString() });
  }
  return out;
}

/** The list query of a group: its parameters minus the event itself. */
export function relatedListParams(g: RelatedQuery, eventID: string): URLSearchParams {
  const sp = new URLSearchParams(g.params);
  if (present(eventID)) sp.append("eventID", "!" + exactValue(eventID));
  return sp;
}

export interface RelatedPageQuery {
  params: URLSearchParams;
  limit: number;
}

/**
 * The list queries that fill a group. A time-window group shows the events NEAREST the event: the
 * ones just before it (newest first) and just after it (oldest first), half each, rather than the
 * newest of the window, which may all be long after it.
 */
export function relatedPageQueries(g: RelatedQuery, e: RelatedSubject): RelatedPageQuery[] {
  const base = relatedListParams(g, e.eventID);
  const t = e.eventTime ? Date.parse(e.eventTime) : NaN;
  if ((g.id !== "accessKey" && g.id !== "session") || Number.isNaN(t)) return [{ params: base, limit: RELATED_PER_GROUP }];
  const before = new URLSearchParams(base);
  before.set("to", isoParam(t));
  const after = new URLSearchParams(base);
  after.set("from", isoParam(t));
  after.set("sort", "eventTime:asc");
  return [
    { params: before, limit: RELATED_PER_GROUP / 2 },
    { params: after, limit: RELATED_PER_GROUP / 2 },
  ];
}

/** One list, newest first, from the pages of relatedPageQueries (in the same order). */
export function mergeRelatedPages<E>(pages: { events: E[]; nextCursor: string | null }[]): { events: E[]; more: boolean } {
  const more = pages.some((p) => p.nextCursor !== null);
  if (pages.length === 1) return { events: pages[0].events, more };
  const [before, after] = pages;
  return { events: [...[...after.events].reverse(), ...before.events], more };
}

/** Text fields of an API event for relatedQueries. */
export function subjectOf(eventID: string, e: Record<string, unknown>): RelatedSubject {
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    eventID,
    eventTime: text(e.eventTime),
    requestID: text(e.requestID),
    sharedEventID: text(e.sharedEventID),
    accessKeyId: text(e.accessKeyId),
    principalArn: text(e.principalArn),
  };
}

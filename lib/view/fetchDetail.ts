// The side panel's loader: the same EventDetailData the server builds for the detail page
// (app/events/_data/detail.ts), assembled in the browser from the public API, so moving through
// rows with j/k fetches in parallel and never waits behind a page navigation.
import type { EventDetailData } from "../../components/detail/types";
import type { ApiEvent } from "../query/events";
import type { CredentialChain } from "../actors/chain-types";
import { exactValue } from "../query/filter-value";
import { mergeRelatedPages, relatedPageQueries, relatedQueries, subjectOf } from "./related";

interface ListAnswer {
  events: ApiEvent[];
  nextCursor: string | null;
}

async function list(params: URLSearchParams, limit: number, signal: AbortSignal): Promise<ListAnswer> {
  params.set("limit", String(limit));
  const res = await fetch(`/api/events?${params}`, { signal, cache: "no-store" });
  if (!res.ok) throw new Error(`GET /api/events answered ${res.status}`);
  return (await res.json()) as ListAnswer;
}

export async function fetchEventDetail(id: string, signal: AbortSignal): Promise<EventDetailData | null> {
  const [raw, row, chain] = await Promise.all([
    fetch(`/api/events/${encodeURIComponent(id)}`, { signal, cache: "no-store" }),
    list(new URLSearchParams({ eventID: exactValue(id) }), 1, signal),
    fetch(`/api/events/${encodeURIComponent(id)}/chain`, { signal, cache: "no-store" }).then((r) => (r.ok ? (r.json() as Promise<CredentialChain>) : null)),
  ]);
  if (raw.status === 404) return null;
  if (!raw.ok) throw new Error(`GET /api/events/${id} answered ${raw.status}`);
  const json = await raw.text();
  const event = row?.events[0] ?? null;
  const subject = event ? subjectOf(id, event) : null;
  const related = subject
    ? await Promise.all(
        relatedQueries(subject).map(async (g) => {
          const pages = await Promise.all(relatedPageQueries(g, subject).map(({ params, limit }) => list(params, limit, signal)));
          return { ...g, ...mergeRelatedPages(pages) };
        }),
      )
    : [];
  return { id, json, event, related, chain };
}

"use client";
// The listed rows: the server's first page, plus the pages "Load more" appends. Each next page is
// the keyset cursor of the last one (listEvents through /api/events, never OFFSET), with the same
// parameters — relative times pinned to the instants the first page used.
import { useState } from "react";
import type { ApiEvent, EventPage } from "../../lib/query/events";

export interface PagedRows {
  rows: ApiEvent[];
  /** More rows exist. */
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): Promise<void>;
}

export function usePagedRows(initial: EventPage, pagingQuery: string, pageSize: number): PagedRows {
  const [rows, setRows] = useState<ApiEvent[]>(initial.events);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [state, setState] = useState<{ loading: boolean; error: string | null }>({ loading: false, error: null });

  async function loadMore() {
    if (!cursor || state.loading) return;
    setState({ loading: true, error: null });
    try {
      const sp = new URLSearchParams(pagingQuery);
      sp.set("limit", String(pageSize));
      sp.set("cursor", cursor);
      const res = await fetch(`/api/events?${sp}`, { cache: "no-store" });
      const body = (await res.json()) as EventPage & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      setRows((r) => [...r, ...body.events]);
      setCursor(body.nextCursor);
      setState({ loading: false, error: null });
    } catch (err) {
      setState({ loading: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  return { rows, hasMore: cursor !== null, ...state, loadMore };
}

"use client";
// The open event (`event=<id>`) beside the table. The first one can come rendered with the page (a
// shared link with event=); after that, j/k and clicks load through the public API.
import { useEffect, useState } from "react";
import { fetchEventDetail } from "../../lib/view/fetchDetail";
import { useUrlState } from "../../lib/view/navigation";
import { EventDetail } from "../detail/EventDetail";
import type { EventDetailData } from "../detail/types";
import { DetailSkeleton } from "../ui/Skeletons";

type Load = { state: "loading" } | { state: "ready"; data: EventDetailData } | { state: "missing" } | { state: "failed"; message: string };

export function SidePanel({ id, initial, onClose, onOpen }: { id: string; initial: EventDetailData | null; onClose(): void; onOpen(id: string): void }) {
  const { params } = useUrlState();
  const [load, setLoad] = useState<Load>(initial ? { state: "ready", data: initial } : { state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (initial && attempt === 0) return;
    const ctrl = new AbortController();
    setLoad({ state: "loading" });
    fetchEventDetail(id, ctrl.signal).then(
      (data) => setLoad(data ? { state: "ready", data } : { state: "missing" }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setLoad({ state: "failed", message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [id, initial, attempt]);

  return (
    <aside
      aria-label="Event detail"
      data-testid="side-panel"
      className="fixed inset-0 z-30 overflow-y-auto bg-white lg:static lg:z-auto lg:w-[26rem] lg:shrink-0 xl:w-[28rem] 2xl:w-[36rem] lg:border-l lg:border-zinc-200 dark:bg-zinc-950 lg:dark:border-zinc-800"
    >
      {load.state === "ready" && <EventDetail data={load.data} base={params.toString()} variant="panel" onClose={onClose} onOpen={onOpen} />}
      {load.state === "loading" && (
        <div className="p-4">
          <PanelClose onClose={onClose} />
          <DetailSkeleton />
        </div>
      )}
      {load.state === "missing" && (
        <div className="space-y-2 p-4 text-sm">
          <PanelClose onClose={onClose} />
          <p role="alert">
            No stored event has the ID <code className="font-mono">{id}</code>. It may have been removed, or the link was cut short; close this panel and pick an event from the list.
          </p>
        </div>
      )}
      {load.state === "failed" && (
        <div className="space-y-2 p-4 text-sm">
          <PanelClose onClose={onClose} />
          <p role="alert" className="text-red-700 dark:text-red-400">Could not load this event: {load.message}.</p>
          <button type="button" className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700" onClick={() => setAttempt((a) => a + 1)}>
            Try again
          </button>
        </div>
      )}
    </aside>
  );
}

export function PanelClose({ onClose }: { onClose(): void }) {
  return (
    <div className="mb-2 flex justify-end">
      <button type="button" onClick={onClose} className="rounded px-2 py-0.5 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800" aria-label="Close event detail (Esc)">
        ✕
      </button>
    </div>
  );
}

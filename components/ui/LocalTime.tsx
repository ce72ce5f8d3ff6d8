"use client";
// A time in the browser's zone. The server cannot know that zone, so this fills in after hydration.
import { formatTime, zoneLabel } from "../../lib/view/time";
import { useIsClient } from "../../lib/view/useIsClient";

export function LocalTime({ iso }: { iso: string }) {
  const client = useIsClient();
  if (!client) return <span className="text-zinc-400">…</span>;
  return (
    <span>
      {formatTime(iso, "local")} <span className="text-zinc-500">{zoneLabel("local")}</span>
    </span>
  );
}

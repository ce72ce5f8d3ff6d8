"use client";
// Re-renders the sync page every few seconds while a run is in progress, so progress moves.
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function AutoRefresh({ active, everyMs = 3000 }: { active: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
  return active ? <span className="text-xs text-zinc-500">updating every {Math.round(everyMs / 1000)} s</span> : null;
}

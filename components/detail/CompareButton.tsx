"use client";
// The way into a comparison from an event's detail: "Compare with…" pins this event (kept in the
// browser, shared by its tabs); on another event, "Compare with pinned <name>" opens /compare with
// both. The pin holds an ID and a label only; the compare page reads both events with the
// viewer's own access, so a pin never shows anything its viewer could not open.
import Link from "next/link";
import { useSyncExternalStore } from "react";
import { visibleText, middleEllipsis } from "../../lib/view/text";

const KEY = "trailscope.compare-pin";
const CHANGED = "trailscope:compare-pin";

interface Pin {
  id: string;
  name: string;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

function read(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled
  }
}

function write(pin: Pin | null): void {
  try {
    if (pin) window.localStorage.setItem(KEY, JSON.stringify(pin));
    else window.localStorage.removeItem(KEY);
  } catch {
    // storage disabled: nothing to remember it in
  }
  window.dispatchEvent(new Event(CHANGED));
}

function parsePin(raw: string | null): Pin | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Pin>;
    return typeof v.id === "string" && typeof v.name === "string" ? { id: v.id, name: v.name } : null;
  } catch {
    return null;
  }
}

const button = "rounded border border-zinc-300 px-2 py-0.5 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800";

export function CompareButton({ id, name }: { id: string; name: string }) {
  // The server (and the first render in the browser) knows no pin: "Compare with…".
  const pin = parsePin(useSyncExternalStore(subscribe, read, () => null));
  const pinThis = () => write({ id, name });
  if (!pin) {
    return (
      <button type="button" className={button} onClick={pinThis} title="Pin this event, then open another one to compare the two side by side">
        Compare with…
      </button>
    );
  }
  if (pin.id === id) {
    return (
      <span className="inline-flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-400" role="status">
        Pinned for comparison: open another event.
        <button type="button" className={button} onClick={() => write(null)}>
          Unpin
        </button>
      </span>
    );
  }
  const label = middleEllipsis(visibleText(pin.name), 40);
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Link href={`/compare?${new URLSearchParams({ a: pin.id, b: id })}`} className="rounded border border-sky-300 px-2 py-0.5 text-xs text-sky-800 hover:bg-sky-50 dark:border-sky-800 dark:text-sky-300 dark:hover:bg-sky-950" title={`Compare the pinned event (A) with this one (B)`}>
        Compare with pinned {label}
      </Link>
      <button type="button" className={button} onClick={pinThis} title="Pin this event instead">
        Pin this instead
      </button>
    </span>
  );
}

"use client";
// The timeline's top bar: free-text search, time range, time zone, columns, copy link and exports.
// Each control writes the URL (CONTRACT.md parameter names); the URL is the only state.
import { useEffect, useState } from "react";
import { useUrlState } from "../../lib/view/navigation";
import { frozenViewParams, isFrozenView, type ResolvedView } from "../../lib/view/frozen-link";
import { formatTime } from "../../lib/view/time";
import { exportHref, setParam } from "../../lib/view/url";
import { ShareDialog } from "../access/ShareDialog";
import { SaveView } from "../views/SaveView";
import { CopyButton } from "../ui/CopyButton";
import { ColumnPicker } from "./ColumnPicker";
import { SEARCH_INPUT_ID } from "./keyboard";
import { TimeRange } from "./TimeRange";

const btn =
  "rounded border border-zinc-300 px-2 py-1 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800";

function SearchBox() {
  const { params, navigate } = useUrlState();
  const current = params.getAll("q");
  const [text, setText] = useState(current.length === 1 ? current[0] : "");
  // Follow the URL when it changes from elsewhere (back button, chip removed).
  const joined = current.join("\u0000");
  useEffect(() => setText(joined.includes("\u0000") ? "" : joined), [joined]);
  return (
    <form
      role="search"
      className="flex min-w-0 flex-1 basis-64"
      onSubmit={(e) => {
        e.preventDefault();
        const sp = new URLSearchParams(params);
        sp.delete("q");
        navigate(setParam(sp, "q", text.trim()));
      }}
    >
      <label htmlFor={SEARCH_INPUT_ID} className="sr-only">
        Search all fields (free text)
      </label>
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Search anywhere in the record…  ( / )"
        className="min-w-0 flex-1 rounded-l border border-zinc-300 bg-white px-2 py-1 text-sm placeholder:text-zinc-400 focus:border-sky-500 focus:outline-none dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button type="submit" className="rounded-r border border-l-0 border-zinc-300 bg-zinc-100 px-3 text-xs font-medium hover:bg-zinc-200 dark:border-zinc-700 dark:bg-zinc-800 dark:hover:bg-zinc-700">
        Search
      </button>
    </form>
  );
}

function ZoneToggle() {
  const { params, setView } = useUrlState();
  const tz = params.get("tz") === "local" ? "local" : "utc";
  return (
    <div role="radiogroup" aria-label="Time zone" className="inline-flex overflow-hidden rounded border border-zinc-300 text-xs dark:border-zinc-700">
      {(["utc", "local"] as const).map((z) => (
        <button
          key={z}
          type="button"
          role="radio"
          aria-checked={tz === z}
          onClick={() => setView(setParam(params, "tz", z === "utc" ? null : "local"))}
          className={`px-2 py-1 ${tz === z ? "bg-zinc-800 text-white dark:bg-zinc-200 dark:text-zinc-900" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"}`}
        >
          {z === "utc" ? "UTC" : "Local"}
        </button>
      ))}
    </div>
  );
}

/** Who is looking decides the sharing controls: Share… for analysts and admins, no live link in a frozen shared view. */
interface SharingProps {
  /** The instant the page was read at (asOf of the frozen link). */
  asOf: string;
  canShare: boolean;
  sharedView: boolean;
}

function ShareAndExport({ resolvedFrom, resolvedTo, asOf, canShare, sharedView }: { resolvedFrom: string | null; resolvedTo: string | null } & SharingProps) {
  const { params } = useUrlState();
  const resolved: ResolvedView = { from: resolvedFrom, to: resolvedTo ?? asOf, asOf };
  // The default link is frozen (absolute range, asOf): it shows the same events whenever opened.
  const frozenHref = () => {
    const u = new URL(window.location.href);
    u.search = frozenViewParams(u.searchParams, resolved).toString();
    return u.toString();
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      <CopyButton
        label="Copy link"
        text={frozenHref}
        title={`Copy a link to exactly these events: the range as fixed times and only events stored by ${formatTime(asOf, "utc")} UTC, so it shows the same events later (for people signed in to this console)`}
        className="py-1"
      />
      {!sharedView && !isFrozenView(params, resolved) && (
        <CopyButton label="Copy live link" text={() => window.location.href} title="Copy a link that follows the range as written (now-24h…) and shows events synced later" className="py-1" />
      )}
      {canShare && !sharedView && <ShareDialog buttonClassName={btn} />}
      <ExportLinks params={params} />
    </div>
  );
}

/** Adds export options to an export link (exportHref keeps the view's own parameters). */
const withOption = (href: string, name: string, value: string) => `${href}${href.endsWith("?") ? "" : "&"}${name}=${value}`;

/**
 * The downloads of exactly this set. "Readable column names" is a download option, not view state:
 * it stays out of the page URL (the page's parser would refuse an unknown parameter).
 */
function ExportLinks({ params }: { params: URLSearchParams }) {
  const [labels, setLabels] = useState(false);
  const csv = exportHref(params, "csv");
  const withHeaders = (href: string) => (labels ? withOption(href, "headers", "labels") : href);
  return (
    <>
      <a className={btn} href={withHeaders(csv)} title="Every matching event as CSV (all pages)">
        Export CSV
      </a>
      <label className="inline-flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-300" title="CSV column headers a person reads (Event name, Source IP) instead of field keys (eventName, sourceIPAddress)">
        <input type="checkbox" checked={labels} onChange={(e) => setLabels(e.target.checked)} />
        Readable column names
      </label>
      <a className={btn} href={exportHref(params, "ndjson")} title="Every matching record, one JSON per line">
        Export NDJSON
      </a>
      <a
        className={btn}
        href={withHeaders(withOption(csv, "format", "bundle"))}
        title="A zip of the CSV and NDJSON of exactly these events (frozen as of now) with a manifest: the query, row counts, SHA-256 of each file, who exported it, and the integrity and completeness of the log files they came from"
      >
        Evidence bundle (.zip)
      </a>
    </>
  );
}

/** The toolbar's <details> dropdowns close on a click elsewhere or Esc, like menus do. */
function useDropdownDismiss() {
  useEffect(() => {
    const close = (except?: Node | null) =>
      document.querySelectorAll<HTMLDetailsElement>("details[data-dropdown][open]").forEach((d) => {
        if (!except || !d.contains(except)) d.open = false;
      });
    const onPointer = (e: PointerEvent) => close(e.target as Node);
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, []);
}

export function Toolbar({ resolvedFrom, resolvedTo, ...sharing }: { resolvedFrom: string | null; resolvedTo: string | null } & SharingProps) {
  const { pending } = useUrlState();
  useDropdownDismiss();
  return (
    <div className="relative flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
      {pending && <div role="progressbar" aria-label="Updating" className="absolute inset-x-0 top-0 h-0.5 animate-pulse bg-sky-500" />}
      <SearchBox />
      <TimeRange resolvedFrom={resolvedFrom} resolvedTo={resolvedTo} />
      <ZoneToggle />
      <ColumnPicker />
      <ShareAndExport resolvedFrom={resolvedFrom} resolvedTo={resolvedTo} {...sharing} />
      {!sharing.sharedView && <SaveView canSave={sharing.canShare} />}
    </div>
  );
}

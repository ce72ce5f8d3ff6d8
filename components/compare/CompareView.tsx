// Two events side by side: what each is (name, time, who, where), how far apart they are, the
// catalog's fields with the differing ones marked, and the raw records as aligned JSON lines.
// Server-rendered; "only differences" is a link (?diff=only), so a comparison is a URL to share.
import Link from "next/link";
import type { ComparedEvent } from "./types";
import { spanWords } from "../../lib/view/age";
import { fieldPairs, type FieldPair } from "../../lib/view/compare-fields";
import { diffJson, type Json } from "../../lib/view/json-diff";
import { cellText, visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { JsonDiffTable } from "./JsonDiffTable";

/** Lines diffed at most (the table shows fewer); the counts cover the whole records regardless. */
const MAX_DIFF_LINES = 20_000;

const eventPage = (id: string) => `/events/${encodeURIComponent(id)}`;
const compareHref = (a: string, b: string, only: boolean) => `/compare?${new URLSearchParams({ a, b, ...(only ? { diff: "only" } : {}) })}`;

function parse(json: string): { ok: true; value: Json } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(json) as Json };
  } catch {
    return { ok: false };
  }
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

function EventCard({ side, e }: { side: "A" | "B"; e: ComparedEvent }) {
  const ev = e.event;
  const name = str(ev.eventName) ?? "(no event name)";
  const t = str(ev.eventTime);
  return (
    <section aria-label={`Event ${side}`} className="min-w-0 rounded border border-zinc-200 p-3 dark:border-zinc-800" data-testid={`compare-card-${side}`}>
      <div className="flex items-start gap-2">
        <span className="rounded bg-zinc-800 px-1.5 text-xs font-semibold text-white dark:bg-zinc-200 dark:text-zinc-900" aria-hidden>
          {side}
        </span>
        <div className="min-w-0 flex-1">
          <h2 className="break-all font-mono text-sm font-semibold">{visibleText(name)}</h2>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            {cellText(ev.eventSource)}
            {t && <> · {formatTime(t, "utc")} UTC</>}
            {" · "}
            {str(ev.errorCode) ? <span className="font-mono text-red-700 dark:text-red-400">{visibleText(str(ev.errorCode)!)}</span> : <span className="text-emerald-700 dark:text-emerald-400">succeeded</span>}
          </p>
          <p className="mt-1 break-all text-xs text-zinc-600 dark:text-zinc-400">
            {[str(ev.username), str(ev.accountId), str(ev.awsRegion)].filter(Boolean).map((v) => visibleText(v!)).join(" · ")}
          </p>
          <p className="mt-1 text-xs">
            <Link href={eventPage(e.id)} className="text-sky-700 underline decoration-dotted dark:text-sky-400">
              Open event {side}
            </Link>{" "}
            <span className="break-all font-mono text-zinc-500">{visibleText(e.id)}</span>
          </p>
        </div>
      </div>
    </section>
  );
}

/** "B is 3 minutes after A" (or before, or at the same instant). */
function Apart({ a, b }: { a: ComparedEvent; b: ComparedEvent }) {
  const ta = Date.parse(str(a.event.eventTime) ?? "");
  const tb = Date.parse(str(b.event.eventTime) ?? "");
  if (Number.isNaN(ta) || Number.isNaN(tb)) return null;
  const d = tb - ta;
  if (d === 0) return <>A and B happened at the same instant.</>;
  return (
    <>
      B happened {d < 1000 && d > -1000 ? `${Math.abs(d)} ms` : spanWords(Math.abs(d))} {d > 0 ? "after" : "before"} A.
    </>
  );
}

function FieldValue({ v, kind }: { v: FieldPair["a"]; kind: FieldPair["kind"] }) {
  if (v === null || v === "" || (Array.isArray(v) && v.length === 0)) return <span className="text-zinc-400">—</span>;
  if (kind === "time" && typeof v === "string") return <>{formatTime(v, "utc")}</>;
  if (Array.isArray(v)) {
    return (
      <ul>
        {v.map((x, i) => (
          <li key={i}>{visibleText(x)}</li>
        ))}
      </ul>
    );
  }
  return <>{cellText(v)}</>;
}

function FieldsTable({ pairs, bothEmpty, onlyDifferences }: { pairs: FieldPair[]; bothEmpty: number; onlyDifferences: boolean }) {
  const rows = onlyDifferences ? pairs.filter((p) => p.differs) : pairs;
  const th = "px-2 py-1 text-left font-medium text-zinc-600 dark:text-zinc-300";
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full table-fixed border-collapse text-xs" data-testid="compare-fields">
        <caption className="sr-only">The catalog&apos;s fields of events A and B; differing fields are marked</caption>
        <colgroup>
          <col className="w-24 sm:w-40" />
          <col />
          <col />
        </colgroup>
        <thead className="border-b border-zinc-300 bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900">
          <tr>
            <th scope="col" className={th}>Field</th>
            <th scope="col" className={th}>A</th>
            <th scope="col" className={th}>B</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.key} data-field={p.key} data-differs={p.differs ? "true" : "false"} className={`border-t border-zinc-100 dark:border-zinc-900 ${p.differs ? "bg-amber-50 dark:bg-amber-950/50" : ""}`}>
              <th scope="row" className="px-2 py-1 text-left align-top font-normal text-zinc-600 dark:text-zinc-400">
                {p.differs && (
                  <span className="mr-1 font-semibold text-amber-700 dark:text-amber-400" title="A and B differ here">
                    ≠<span className="sr-only"> differs:</span>
                  </span>
                )}
                {p.label}
                <span className="block font-mono text-[10px] text-zinc-400">{p.key}</span>
              </th>
              <td className={`px-2 py-1 align-top font-mono [overflow-wrap:anywhere] ${p.differs ? "font-semibold" : ""}`}>
                <FieldValue v={p.a} kind={p.kind} />
              </td>
              <td className={`px-2 py-1 align-top font-mono [overflow-wrap:anywhere] ${p.differs ? "font-semibold" : ""}`}>
                <FieldValue v={p.b} kind={p.kind} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {bothEmpty > 0 && (
        <p className="mt-1 text-xs text-zinc-500">
          {bothEmpty} field{bothEmpty === 1 ? "" : "s"} empty in both, not shown.
        </p>
      )}
    </div>
  );
}

export function CompareView({ a, b, onlyDifferences }: { a: ComparedEvent; b: ComparedEvent; onlyDifferences: boolean }) {
  const { pairs, bothEmpty } = fieldPairs(a.event, b.event);
  const differing = pairs.filter((p) => p.differs).length;
  const ja = parse(a.json);
  const jb = parse(b.json);
  const diff = ja.ok && jb.ok ? diffJson(ja.value, jb.value, { maxLines: MAX_DIFF_LINES }) : null;
  const toggle = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";
  return (
    <div className="mx-auto w-full max-w-7xl space-y-5 p-4">
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-500">
        <Link href="/events" className="underline decoration-dotted hover:text-zinc-900 dark:hover:text-white">
          Timeline
        </Link>{" "}
        / compare
      </nav>
      <header className="space-y-3">
        <h1 className="text-base font-semibold">Compare two events</h1>
        <div className="grid gap-3 md:grid-cols-2">
          <EventCard side="A" e={a} />
          <EventCard side="B" e={b} />
        </div>
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="compare-summary">
          {a.id === b.id ? (
            <>A and B are the same event.</>
          ) : (
            <>
              <Apart a={a} b={b} /> {differing} of {pairs.length} fields differ
              {diff && (
                <>
                  ; the raw records differ in {diff.differences} {diff.differences === 1 ? "place" : "places"}
                </>
              )}
              .
            </>
          )}
        </p>
        <div className="flex flex-wrap gap-2">
          <Link href={compareHref(a.id, b.id, !onlyDifferences)} className={toggle}>
            {onlyDifferences ? "Show everything" : "Show only differences"}
          </Link>
          <Link href={compareHref(b.id, a.id, onlyDifferences)} className={toggle}>
            Swap A and B
          </Link>
        </div>
      </header>

      <section aria-labelledby="compare-fields-title" className="space-y-1">
        <h2 id="compare-fields-title" className="text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
          Fields
        </h2>
        <FieldsTable pairs={pairs} bothEmpty={bothEmpty} onlyDifferences={onlyDifferences} />
      </section>

      <section aria-labelledby="compare-raw-title" className="space-y-1">
        <h2 id="compare-raw-title" className="text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
          Raw records
        </h2>
        <p className="text-xs text-zinc-500">
          Line by line, keys in the records&apos; order: <span className="rounded bg-amber-100 px-1 text-amber-900 dark:bg-amber-950 dark:text-amber-200">~ differs</span>{" "}
          <span className="rounded bg-red-100 px-1 text-red-900 dark:bg-red-950 dark:text-red-200">− only in A</span>{" "}
          <span className="rounded bg-emerald-100 px-1 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">+ only in B</span>
          <span className="md:hidden"> · the table scrolls sideways</span>
        </p>
        {diff ? (
          <JsonDiffTable lines={diff.lines} cut={diff.cut} onlyDifferences={onlyDifferences} />
        ) : (
          <div className="grid gap-2 md:grid-cols-2">
            {[a, b].map((e, i) => (
              <pre key={i} className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-50 p-2 font-mono text-[11.5px] dark:bg-zinc-900" aria-label={`Raw record ${i ? "B" : "A"}`}>
                {visibleText(e.json)}
              </pre>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}

/** /compare without two IDs: a form for them, and where the comparison is usually started. */
export function ComparePicker({ a, b }: { a: string; b: string }) {
  const input = "w-full rounded border border-zinc-300 px-2 py-1 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <div className="mx-auto w-full max-w-2xl space-y-3 p-4">
      <h1 className="text-base font-semibold">Compare two events</h1>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        On an event&apos;s detail, press <em>Compare with…</em> to pin it; then open another event and press <em>Compare with pinned</em>. Or enter two event IDs:
      </p>
      <form action="/compare" method="get" className="space-y-2" aria-label="Compare two events">
        <label className="block text-xs">
          Event A ID
          <input name="a" defaultValue={a} required className={input} />
        </label>
        <label className="block text-xs">
          Event B ID
          <input name="b" defaultValue={b} required className={input} />
        </label>
        <button type="submit" className="rounded bg-sky-700 px-3 py-1 text-xs font-medium text-white hover:bg-sky-800">
          Compare
        </button>
      </form>
    </div>
  );
}

// One event, read the way an investigator asks about it: who, what, where, when, from where; then
// resources, parameters, the raw record and related events. Shared by the detail page (rendered on
// the server) and the timeline's side panel (rendered in the browser), so it uses no hooks itself;
// the interactive parts (tree, copy, local time, links) are client components.
//
// Every value from the record is rendered as React text, never as HTML.
import Link from "next/link";
import { NavLink } from "../../lib/view/navigation";
import { cellText, visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { href, pivot } from "../../lib/view/url";
import { CopyButton } from "../ui/CopyButton";
import { JsonTree } from "./JsonTree";
import { at, parseRecord, present, Section, str, type Ctx, type Rec } from "./parts";
import { RelatedEvents } from "./RelatedEvents";
import { CredentialChainSection } from "./CredentialChain";
import { CompareButton } from "./CompareButton";
import { IntegrityBadge } from "../integrity/IntegrityBadge";
import { OUTCOME_TEXT } from "../../lib/integrity/outcomes";
import { FromWhere, Resources, What, When, Where, Who } from "./Sections";
import type { EventDetailData } from "./types";

/** Parts of the record shown as trees when present. */
const PAYLOADS: { key: string; title: string }[] = [
  { key: "requestParameters", title: "Request parameters" },
  { key: "responseElements", title: "Response elements" },
  { key: "additionalEventData", title: "Additional event data" },
  { key: "serviceEventDetails", title: "Service event details" },
  { key: "insightDetails", title: "Insight details" },
];

function Pivots({ ctx, event, variant }: { ctx: Ctx; event: Rec; variant: "page" | "panel" }) {
  const pivots: { key: string; label: string }[] = [
    { key: "actor", label: "Who really did it" },
    { key: "principalArn", label: "This principal" },
    { key: "accessKeyId", label: "This access key" },
    { key: "sourceIPAddress", label: "This source IP" },
    { key: "resourceName", label: "This resource" },
  ];
  const links = pivots
    .map((p) => {
      const v = event[p.key];
      const values = (Array.isArray(v) ? v : [v]).map(str).filter(present);
      return values.length ? { ...p, to: href("/events", pivot(ctx.base, p.key, values)), values } : null;
    })
    .filter((x) => x !== null);
  if (!links.length) return null;
  return (
    <nav aria-label="Pivot" className="flex flex-wrap items-center gap-1.5 text-xs">
      <span className="text-zinc-500">{variant === "page" ? "Timeline for:" : "Pivot to:"}</span>
      {links.map((l) => (
        <NavLink key={l.key} href={l.to} title={l.values.join(", ")} className="rounded-full border border-sky-300 px-2 py-0.5 text-sky-800 hover:bg-sky-50 dark:border-sky-800 dark:text-sky-300 dark:hover:bg-sky-950">
          {l.label}
        </NavLink>
      ))}
    </nav>
  );
}

export function EventDetail({
  data,
  base = "",
  variant,
  onClose,
  onOpen,
}: {
  data: EventDetailData;
  base?: string;
  variant: "page" | "panel";
  onClose?: () => void;
  onOpen?: (id: string) => void;
}) {
  const r = parseRecord(data.json) ?? {};
  const ctx: Ctx = { base: variant === "page" ? "" : base };
  const ev = (data.event ?? {}) as Rec;
  const name = str(r.eventName) ?? str(at(r, "insightDetails.eventName")) ?? "(no event name)";
  const t = str(r.eventTime);
  const error = str(r.errorCode);
  const pageHref = `/events/${encodeURIComponent(data.id)}`;
  const Heading = variant === "page" ? "h1" : "h2";

  return (
    <article className={variant === "page" ? "space-y-5" : "space-y-4 p-4"} aria-label={`Event ${data.id}`}>
      <header className="space-y-2">
        <div className="flex items-start gap-2">
          <div className="min-w-0 flex-1">
            <Heading className="break-all font-mono text-base font-semibold">{visibleText(name)}</Heading>
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              {cellText(r.eventSource ?? at(r, "insightDetails.eventSource") ?? "")}
              {t && <> · {formatTime(t, "utc")} UTC</>}
              {" · "}
              {error ? <span className="font-mono text-red-700 dark:text-red-400">{visibleText(error)}</span> : <span className="text-emerald-700 dark:text-emerald-400">succeeded</span>}
            </p>
          </div>
          {variant === "panel" && onClose && (
            <button type="button" onClick={onClose} className="rounded px-2 py-0.5 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800" aria-label="Close event detail (Esc)">
              ✕
            </button>
          )}
        </div>
        <div className="flex flex-wrap gap-1.5">
          {variant === "panel" && (
            <Link href={pageHref} className="rounded border border-zinc-300 px-2 py-0.5 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800">
              Open full page
            </Link>
          )}
          <CopyButton text={data.json} label="Copy JSON" title="Copy the record exactly as stored" />
          <CopyButton text={data.id} label="Copy event ID" />
          <CompareButton id={data.id} name={t ? `${name} ${formatTime(t, "utc")}` : name} />
        </div>
        <Pivots ctx={ctx} event={ev} variant={variant} />
      </header>

      <div className={variant === "page" ? "grid gap-x-8 gap-y-5 md:grid-cols-2 2xl:grid-cols-3" : "space-y-4"}>
        <Who r={r} ctx={ctx} username={str(ev.username)} />
        <CredentialChainSection ctx={ctx} chain={data.chain} />
        <What r={r} ctx={ctx} />
        <Where r={r} ctx={ctx} />
        <When r={r} ctx={ctx} id={data.id} />
        <FromWhere r={r} ctx={ctx} />
        <Resources r={r} ctx={ctx} />
        <Section title="Integrity">
          <div className="space-y-1 text-xs">
            <IntegrityBadge value={str(ev.integrity) ?? "unverified"} />
            {data.logFile ? (
              <p className="break-all text-zinc-600 dark:text-zinc-400">
                Log file <span className="font-mono">{cellText(data.logFile.key)}</span>
                {data.logFile.outcome ? <>: {OUTCOME_TEXT[data.logFile.outcome as keyof typeof OUTCOME_TEXT] ?? data.logFile.outcome}</> : <>: not validated yet</>}
                {data.logFile.detail && <> ({cellText(data.logFile.detail)})</>}
              </p>
            ) : (
              <p className="text-zinc-600 dark:text-zinc-400">No log file: read through the LookupEvents API (or stored before Trailscope kept each event&apos;s file).</p>
            )}
          </div>
        </Section>
      </div>

      {PAYLOADS.filter((p) => r[p.key] !== undefined && r[p.key] !== null).map((p) => (
        <Section key={p.key} title={p.title}>
          <JsonTree json={data.json} path={[p.key]} label={p.title} openDepth={3} />
        </Section>
      ))}

      <details open={variant === "page"} className="group">
        <summary className="cursor-pointer text-[11px] font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Raw record</summary>
        <div className="mt-1">
          <JsonTree json={data.json} as="pre" label="Raw record" openDepth={2} />
        </div>
      </details>

      <RelatedEvents groups={data.related} variant={variant} onOpen={onOpen} anchor={t ? Date.parse(t) : NaN} />

      {!data.event && <p className="text-xs text-zinc-500">This event is not listed in the timeline index (its ID cannot be matched as a filter); the raw record above is complete.</p>}
    </article>
  );
}

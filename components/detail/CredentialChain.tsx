// "Who really did it": the event's credentials chain from its own session up to the identity at
// its origin, each hop with the event that issued the credentials (a link) and who made that call.
// Says plainly where the chain stops — an issuing event not stored, or one the viewer may not see —
// instead of guessing.
import Link from "next/link";
import type { CredentialChain } from "../../lib/actors/chain-types";
import { NavLink } from "../../lib/view/navigation";
import { visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { href, pivot } from "../../lib/view/url";
import { Section, type Ctx } from "./parts";

const mono = "break-all font-mono";

export function ActorLink({ ctx, actor }: { ctx: Ctx; actor: string }) {
  return (
    <NavLink href={href("/events", pivot(ctx.base, "actor", [actor]))} className="text-sky-700 underline decoration-dotted dark:text-sky-400" title={`Every event of ${actor}, through any role`}>
      Everything this identity did
    </NavLink>
  );
}

export function CredentialChainSection({ ctx, chain }: { ctx: Ctx; chain: CredentialChain | null | undefined }) {
  if (!chain || chain.status === "none") return null;
  return (
    <Section title="Who really did it" className="md:col-span-2">
      <div className="space-y-2 text-xs">
        {chain.status === "self" && chain.actor && (
          <p>
            The caller is its own origin: <span className={mono}>{visibleText(chain.actor)}</span>. <ActorLink ctx={ctx} actor={chain.actor} />
          </p>
        )}
        {chain.hops.length > 0 && (
          <ol className="space-y-1.5 border-l-2 border-sky-200 pl-3 dark:border-sky-900" aria-label="Credentials chain">
            {chain.hops.map((h, i) => (
              <li key={h.key} className="space-y-0.5">
                <p>
                  <span className="text-zinc-500 dark:text-zinc-400">{i === 0 ? "This event's session" : "which was the session"} </span>
                  <span className={mono}>{visibleText(h.sessionArn ?? "(session not named)")}</span>{" "}
                  <span className="text-zinc-500 dark:text-zinc-400">key</span> <span className="font-mono">{visibleText(h.key)}</span>
                  {h.sourceIdentity && (
                    <>
                      {" "}
                      <span className="text-zinc-500 dark:text-zinc-400">source identity</span> <span className="font-mono">{visibleText(h.sourceIdentity)}</span>
                    </>
                  )}
                </p>
                {h.issuedBy ? (
                  <p className="pl-3">
                    ↑ issued by{" "}
                    <Link href={`/events/${encodeURIComponent(h.issuedBy.eventId)}`} className="font-mono text-sky-700 underline decoration-dotted dark:text-sky-400">
                      {visibleText(h.issuedBy.eventName ?? "an event")}
                    </Link>{" "}
                    at {formatTime(h.issuedBy.eventTime, "utc")} UTC{h.issuedBy.accountId && <> in {h.issuedBy.accountId}</>}, called by {visibleText(h.issuedBy.callerType ?? "an unknown identity")}{" "}
                    {h.issuedBy.callerArn && <span className={mono}>{visibleText(h.issuedBy.callerArn)}</span>}
                  </p>
                ) : (
                  <p className="pl-3 text-amber-800 dark:text-amber-300">↑ issued by an event outside what you may see (another account or outside this shared view): the chain is not shown further.</p>
                )}
              </li>
            ))}
          </ol>
        )}
        {chain.status === "complete" && chain.actor && (
          <p>
            <span className="font-semibold">Origin:</span> <span className={mono}>{visibleText(chain.actor)}</span>. <ActorLink ctx={ctx} actor={chain.actor} />
          </p>
        )}
        {chain.status === "missing" && (
          <p className="text-amber-800 dark:text-amber-300">
            The event that issued the credentials <span className="font-mono">{visibleText(chain.missingKey ?? "")}</span> is not stored, so who is behind{" "}
            {chain.hops.length ? "this chain" : "this session"} is not known. It may be in a log file, region or account not synced yet; Trailscope links the events when it arrives.
          </p>
        )}
      </div>
    </Section>
  );
}

// An ARN as its distinguishing part (lib/view/arn.ts): role and session, user name, resource; the
// full value on hover. Each part is cut at its own end when space runs out, so both the role and
// the session stay readable in a narrow facet; the account, when shown, is never cut.
import { arnLabel, type ArnLabel } from "../../lib/view/arn";
import { cellText } from "../../lib/view/text";

export function ArnText({ value, label, className = "" }: { value: string; label?: ArnLabel; className?: string }) {
  const l = label ?? arnLabel(value);
  return (
    <span className={`inline-flex min-w-0 max-w-full items-baseline font-mono ${className}`} title={cellText(l.full)} data-arn={l.full}>
      <span className="min-w-0 truncate">{cellText(l.lead)}</span>
      {l.tail !== null && <span className="min-w-0 truncate">/{cellText(l.tail)}</span>}
      {l.account && <span className="ml-1 shrink-0 text-zinc-500 dark:text-zinc-400">@{l.account}</span>}
    </span>
  );
}

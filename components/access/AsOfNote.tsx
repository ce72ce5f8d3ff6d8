// Beside the timeline's count: the view is bounded to events stored by an instant (a frozen link,
// a share link), so later syncs add nothing to it.
import { formatTime } from "../../lib/view/time";

export function AsOfNote({ asOf }: { asOf: Date }) {
  return (
    <span className="text-xs text-zinc-500" data-testid="as-of-note" title="Only events stored in Trailscope by this instant are shown; later syncs do not change this view">
      as of {formatTime(asOf, "utc")} UTC
    </span>
  );
}

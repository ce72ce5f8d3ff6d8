// Beside the timeline's count: the view is bounded to events stored by an instant (a frozen link,
// a share link), so later syncs add nothing to it; an alert's link also starts after an instant
// (storedAfter): exactly the events one alert counted.
import { formatTime } from "../../lib/view/time";

export function AsOfNote({ asOf, storedAfter }: { asOf?: Date; storedAfter?: Date }) {
  const after = storedAfter ? `stored after ${formatTime(storedAfter, "utc")} UTC` : null;
  const by = asOf ? `as of ${formatTime(asOf, "utc")} UTC` : null;
  return (
    <span
      className="text-xs text-zinc-500"
      data-testid="as-of-note"
      title={storedAfter ? "Only events stored in Trailscope between these instants are shown (what one alert counted); later syncs do not change this view" : "Only events stored in Trailscope by this instant are shown; later syncs do not change this view"}
    >
      {[after, by].filter(Boolean).join(", ")}
    </span>
  );
}

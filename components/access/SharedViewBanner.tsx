// Shown on every page opened through a share link: the visitor is not signed in, sees one frozen
// view read-only, and can leave it (which drops the link's cookie; /s/leave).
import type { ShareGrant } from "../../lib/auth/access";
import { utcTime } from "./format";

export function SharedViewBanner({ share }: { share: ShareGrant }) {
  const asOf = share.params.get("asOf");
  return (
    <div role="status" data-testid="shared-view-banner" className="flex shrink-0 flex-wrap items-center gap-x-3 gap-y-1 border-b border-amber-300 bg-amber-50 px-3 py-1.5 text-xs text-amber-950 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
      <span>
        <span className="font-semibold">Shared view</span> · read-only{asOf ? ` · as of ${utcTime(asOf, "s")}` : ""} · expires {utcTime(share.expiresAt)}
      </span>
      {/* A route handler, not a page: a plain link so the browser makes a real request. */}
      <a href="/s/leave" className="underline hover:no-underline">
        Leave shared view
      </a>
    </div>
  );
}

// /shares: the share links this user made (an admin sees everyone's), to check and revoke them.
import Link from "next/link";
import { SharesTable } from "../../components/access/SharesTable";
import { pageAccess } from "../../lib/auth/guard";
import { listShares } from "../../lib/auth/shares";

export const dynamic = "force-dynamic";

export const metadata = { title: "Share links · Trailscope" };

export default async function SharesPage() {
  const { access, db } = await pageAccess("share", "/shares");
  const shares = await listShares(db, access);
  const admin = access.role === "admin";
  return (
    <div className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Share links</h1>
        <p className="text-xs text-zinc-500">
          {admin ? "Every share link in this console." : "The share links you made."} A link&apos;s address is shown once, when it is made; make links with
          &quot;Share…&quot; on the <Link href="/events" className="underline hover:no-underline">timeline</Link>.
        </p>
      </div>
      {shares.length === 0 ? (
        <p className="max-w-2xl rounded border border-zinc-200 p-4 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">No share links yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <SharesTable shares={shares} showCreator={admin} now={new Date()} />
        </div>
      )}
    </div>
  );
}

// /integrity: log file integrity validation per source — each trail's digest chain and its breaks,
// coverage per account, region and day — for the principal's accounts. Not for share links.
import { notFound } from "next/navigation";
import { IntegrityOverview } from "../../components/integrity/IntegrityOverview";
import { AutoRefresh } from "../../components/sync/AutoRefresh";
import { can } from "../../lib/auth/access";
import { pageAccess } from "../../lib/auth/guard";
import { integrityOverview } from "../../lib/integrity/overview";

export const dynamic = "force-dynamic";

export const metadata = { title: "Integrity · Trailscope" };

export default async function IntegrityPage() {
  const { access, db } = await pageAccess("read", "/integrity");
  if (access.share) notFound();
  const data = await integrityOverview(db, access.scope ?? undefined);
  return (
    <div className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Integrity</h1>
        <p className="text-xs text-zinc-500">
          CloudTrail signs a digest of every hour&apos;s log files; each digest names the one before. Events of a file that matches a signed digest read <em>verified</em>; of a file that does not, <em>failed</em> (filter: <code className="font-mono">integrity=failed</code>).
        </p>
      </div>
      <AutoRefresh active={data.scopes.some((s) => s.pending)} />
      <IntegrityOverview data={data} manage={can(access, "admin")} />
    </div>
  );
}

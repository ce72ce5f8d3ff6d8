// /views/<id>: opens a saved view — the timeline with whatever the view says now (so renaming or
// editing it never breaks this link), marked with view=<id> so the timeline names it.
import { notFound, redirect } from "next/navigation";
import { pageAccess } from "../../../lib/auth/guard";
import { getView, VIEW_PARAM } from "../../../lib/views/store";

export const dynamic = "force-dynamic";

export default async function OpenViewPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { access, db } = await pageAccess("read", `/views/${encodeURIComponent(id)}`);
  if (access.share) notFound();
  const view = await getView(db, access, id);
  if (!view) notFound();
  const sp = new URLSearchParams(view.query);
  sp.set(VIEW_PARAM, view.id);
  redirect(`/events?${sp}`);
}

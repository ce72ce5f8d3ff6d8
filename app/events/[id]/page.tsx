// The event detail page (/events/<eventID>): the same component as the timeline's side panel,
// rendered on the server, with links back into the timeline.
import Link from "next/link";
import { notFound } from "next/navigation";
import { EventDetail } from "../../../components/detail/EventDetail";
import { getDb } from "../../../lib/store/db";
import { loadEventDetail } from "../_data/detail";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `Event ${decodeURIComponent(id)} · Trailscope` };
}

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const data = await loadEventDetail(getDb().pool, decodeURIComponent(id));
  if (data === null) notFound();
  return (
    <div className="mx-auto w-full max-w-7xl p-4">
      <nav aria-label="Breadcrumb" className="mb-3 text-xs text-zinc-500">
        <Link href="/events" className="underline decoration-dotted hover:text-zinc-900 dark:hover:text-white">
          Timeline
        </Link>{" "}
        / event
      </nav>
      <EventDetail data={data} variant="page" />
    </div>
  );
}

// The event detail page (/events/<eventID>): the same component as the timeline's side panel,
// rendered on the server, with links back into the timeline.
import Link from "next/link";
import { notFound } from "next/navigation";
import { EventDetail } from "../../../components/detail/EventDetail";
import { pageAccess } from "../../../lib/auth/guard";
import { parseEventIdSegment } from "../../../lib/query/event-id";
import { ParamError } from "../../../lib/query/params";
import { loadEventDetail } from "../_data/detail";

export const dynamic = "force-dynamic";

/** The segment as Next hands a page it (still percent-encoded), decoded once; invalid: not found. */
function eventIdOf(segment: string): string {
  try {
    return parseEventIdSegment(segment);
  } catch (err) {
    if (err instanceof ParamError) notFound();
    throw err;
  }
}

// Unlike the page itself, generateMetadata gets the segment decoded already (Next 16.4.6; the
// review's "an ID holding %3C shows <" was this title decoding it a second time).
// e2e/hostile-http.spec.ts checks the title of such IDs.
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Event ${(await params).id} · Trailscope` };
}

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const id = eventIdOf((await params).id);
  const { access, db } = await pageAccess("read", `/events/${encodeURIComponent(id)}`);
  const data = await loadEventDetail(db.pool, access, id);
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

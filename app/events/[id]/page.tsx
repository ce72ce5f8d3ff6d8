import { notFound } from "next/navigation";
import { getEventJson } from "../../../lib/query/events";
import { getDb } from "../../../lib/store/db";

export const dynamic = "force-dynamic";

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const json = await getEventJson(getDb().pool, decodeURIComponent(id));
  if (json === null) notFound();
  let pretty = json;
  try {
    pretty = JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    /* show as stored */
  }
  return (
    <article className="space-y-2">
      <h1 className="font-mono text-sm">{decodeURIComponent(id)}</h1>
      <pre className="overflow-auto rounded bg-zinc-100 p-3 text-xs dark:bg-zinc-900">{pretty}</pre>
    </article>
  );
}

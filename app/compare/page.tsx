// /compare?a=<eventID>&b=<eventID>: two events side by side — the catalog's fields and the raw
// records, differences marked. A route of its own rather than /events/compare, which an event
// whose ID is "compare" owns. Each event is read as the detail page reads it: one the principal
// may not see (another account, outside a share link's view) answers 404 as the detail does.
import { notFound } from "next/navigation";
import { ComparePicker, CompareView } from "../../components/compare/CompareView";
import { pageAccess } from "../../lib/auth/guard";
import { parseEventIdParam } from "../../lib/query/event-id";
import { ParamError } from "../../lib/query/params";
import { loadComparedEvent } from "./_data/compare";

export const dynamic = "force-dynamic";

export const metadata = { title: "Compare events · Trailscope" };

type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** An ID as given (search parameters arrive decoded once); one no event can have: not found. */
function eventIdOf(raw: string): string {
  try {
    return parseEventIdParam(raw);
  } catch (err) {
    if (err instanceof ParamError) notFound();
    throw err;
  }
}

export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const [ra, rb] = [first(sp.a), first(sp.b)];
  const back = new URLSearchParams();
  if (ra) back.set("a", ra);
  if (rb) back.set("b", rb);
  const { access, db } = await pageAccess("read", `/compare${back.size ? `?${back}` : ""}`);
  if (!ra || !rb) return <ComparePicker a={ra ?? ""} b={rb ?? ""} />;
  const [a, b] = await Promise.all([loadComparedEvent(db.pool, access, eventIdOf(ra)), loadComparedEvent(db.pool, access, eventIdOf(rb))]);
  if (!a || !b) notFound();
  return <CompareView a={a} b={b} onlyDifferences={first(sp.diff) === "only"} />;
}

// A share link's holder may narrow its view but never widen it (CONTRACT.md, Access). Given the
// link's frozen parameters and a request's, this returns the parameters to run: the request's,
// with whatever it leaves out taken from the link. A request that would widen the set is a
// ParamError naming the parameter (the guard answers 403). The link's own conditions are applied
// to the SQL besides these (EventQuery.within), so this check decides what is refused, not what
// can be seen.
import { parseFilterValue } from "../query/filter-value";
import { PAGING_PARAMS, ParamError, parseInstant, VIEW_PARAMS } from "../query/params";

const BOUNDS = new Set(["from", "to", "asOf", "storedAfter"]);

function split(values: string[]): { include: Set<string>; exclude: Set<string> } {
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const v of values) (parseFilterValue(v).negate ? exclude : include).add(v);
  return { include, exclude };
}

export function narrowWithinShare(share: URLSearchParams, req: URLSearchParams, now: Date): URLSearchParams {
  const out = new URLSearchParams(req);
  const instant = (sp: URLSearchParams, name: string) => (sp.get(name) ? parseInstant(name, sp.get(name)!, now) : undefined);

  // The range and the asOf bound: within the link's, or the link's where the request has none.
  for (const name of BOUNDS) {
    const limit = instant(share, name);
    const asked = instant(req, name);
    if (!limit) continue; // the link has no such bound (a link always has from, to and asOf)
    if (!asked) {
      out.set(name, share.get(name)!);
      continue;
    }
    const widens = name === "from" || name === "storedAfter" ? asked < limit : asked > limit;
    if (widens) throw new ParamError(name, `the shared view's ${name} is ${limit.toISOString()}`);
  }

  // Filters and free text: each of the link's parameters keeps its meaning. A repeated parameter
  // ORs its values, so the request may keep a subset of the link's values and add exclusions.
  for (const name of new Set(share.keys())) {
    if (BOUNDS.has(name) || VIEW_PARAMS.has(name) || PAGING_PARAMS.has(name) || name === "sort") continue;
    if (!req.has(name)) {
      for (const v of share.getAll(name)) out.append(name, v);
      continue;
    }
    const s = split(share.getAll(name));
    const r = split(req.getAll(name));
    if (name === "q") {
      for (const v of req.getAll("q")) if (!share.getAll("q").includes(v)) throw new ParamError("q", `"${v}" is not one of the shared view's search terms`);
      continue;
    }
    if (s.include.size > 0) {
      if (r.include.size === 0) throw new ParamError(name, "the shared view is limited to its values");
      for (const v of r.include) if (!s.include.has(v)) throw new ParamError(name, `"${v}" is not one of the shared view's values`);
    }
    for (const v of s.exclude) if (!r.exclude.has(v)) throw new ParamError(name, `the shared view excludes "${v.slice(1)}"`);
  }
  return out;
}

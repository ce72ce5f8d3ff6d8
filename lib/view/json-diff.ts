// A structural diff of two JSON values as aligned lines, for the compare page's side-by-side raw
// records: each line shows what record A and record B hold at one key path, so equal parts line up
// and a difference is one marked line (or a marked subtree where one side has a key the other lacks).
//
// Hand-written rather than a diff library: the libraries (jsondiffpatch, microdiff) answer "which
// paths differ" and leave the aligned two-column walk to the caller, which is most of this file;
// jsondiffpatch's own side-by-side output is HTML, which the console never renders from event values.
// The walk is iterative: records nest thousands of levels deep (test/fixtures/hostile.ts), past
// what a recursive walk can be trusted with.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** same: equal on both sides; changed: both have it, differently; removed: only A has it; added: only B. */
export type DiffStatus = "same" | "changed" | "added" | "removed";

export interface DiffLine {
  /** Nesting level (0: the record itself). */
  depth: number;
  /** The key in its object, the index in its array; null for the record itself and closing lines. */
  key: string | number | null;
  /** What record A shows on this line ("{", "}", a JSON scalar); null: nothing on A's side. */
  a: string | null;
  b: string | null;
  status: DiffStatus;
  /** An opening or closing line of a container both sides have, with a difference somewhere inside. */
  inner?: boolean;
  /** Which line of a container this is ("open"/"close"); absent for scalars. */
  edge?: "open" | "close";
  /** The key path, as userIdentity.arn or resources[0].ARN ("" for the record). */
  path: string;
}

export interface JsonDiff {
  lines: DiffLine[];
  /** Lines not listed (past maxLines); the counts below still cover everything. */
  cut: number;
  /** Values that differ: changed scalars, and each key or item only one side has. */
  differences: number;
}

const isObject = (v: Json): v is { [k: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
const isContainer = (v: Json): v is Json[] | { [k: string]: Json } => v !== null && typeof v === "object";

const IDENT = /^[A-Za-z_$][\w$]*$/;

export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!IDENT.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * The keys of both objects in one order: A's order, each key only B has placed right after the key
 * it follows in B (so two records of one source, which write fields in one order, line up).
 */
export function mergedKeys(a: string[], b: string[]): string[] {
  const out = [...a];
  const inA = new Set(a);
  let after: string | null = null;
  for (const k of b) {
    if (inA.has(k)) {
      after = k;
      continue;
    }
    const i: number = after === null ? -1 : out.indexOf(after);
    out.splice(i + 1, 0, k);
    after = k;
  }
  return out;
}

type Task =
  | { t: "node"; depth: number; key: string | number | null; path: string; a?: Json; b?: Json; hasA: boolean; hasB: boolean }
  | { t: "close"; depth: number; path: string; open: number; differencesBefore: number; a: string | null; b: string | null; status: DiffStatus };

function entriesOf(v: Json[] | { [k: string]: Json }): [string | number, Json][] {
  return Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
}

/**
 * Aligned lines of A and B. Arrays are compared item by item at the same index (CloudTrail's
 * arrays — resources, tags — are short and rarely reordered). Lines past maxLines are counted, not
 * listed.
 */
export function diffJson(a: Json, b: Json, opts: { maxLines?: number } = {}): JsonDiff {
  const max = opts.maxLines ?? 5000;
  const lines: DiffLine[] = [];
  let cut = 0;
  let differences = 0;
  const emit = (line: DiffLine): number => {
    if (lines.length >= max) {
      cut++;
      return -1;
    }
    return lines.push(line) - 1;
  };
  const stack: Task[] = [{ t: "node", depth: 0, key: null, path: "", a, b, hasA: true, hasB: true }];

  // A subtree only one side has: every line of it on that side, nothing on the other.
  const oneSided = (task: Extract<Task, { t: "node" }>, side: "a" | "b") => {
    const status: DiffStatus = side === "a" ? "removed" : "added";
    differences++;
    const value = (side === "a" ? task.a : task.b) as Json;
    const own: Task[] = [];
    const push = (depth: number, key: string | number | null, path: string, v: Json) => {
      own.push({ t: "node", depth, key, path, [side]: v, hasA: side === "a", hasB: side === "b" } as Task);
    };
    push(task.depth, task.key, task.path, value);
    // Walked here rather than on the main stack so the subtree counts as one difference.
    while (own.length) {
      const n = own.pop()!;
      if (n.t === "close") {
        emit({ depth: n.depth, key: null, a: n.a, b: n.b, status, edge: "close", path: n.path });
        continue;
      }
      const v = (side === "a" ? n.a : n.b) as Json;
      if (!isContainer(v)) {
        const text = JSON.stringify(v);
        emit({ depth: n.depth, key: n.key, a: side === "a" ? text : null, b: side === "b" ? text : null, status, path: n.path });
        continue;
      }
      const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
      emit({ depth: n.depth, key: n.key, a: side === "a" ? open : null, b: side === "b" ? open : null, status, edge: "open", path: n.path });
      own.push({ t: "close", depth: n.depth, path: n.path, open: -1, differencesBefore: 0, a: side === "a" ? close : null, b: side === "b" ? close : null, status });
      const kids = entriesOf(v);
      for (let i = kids.length - 1; i >= 0; i--) push(n.depth + 1, kids[i][0], childPath(n.path, kids[i][0]), kids[i][1]);
    }
  };

  while (stack.length) {
    const task = stack.pop()!;
    if (task.t === "close") {
      const inner = differences > task.differencesBefore;
      if (inner && task.open >= 0) lines[task.open].inner = true;
      emit({ depth: task.depth, key: null, a: task.a, b: task.b, status: "same", edge: "close", path: task.path, ...(inner ? { inner } : {}) });
      continue;
    }
    if (!task.hasB) {
      oneSided(task, "a");
      continue;
    }
    if (!task.hasA) {
      oneSided(task, "b");
      continue;
    }
    const va = task.a as Json;
    const vb = task.b as Json;
    const bothObjects = isObject(va) && isObject(vb);
    const bothArrays = Array.isArray(va) && Array.isArray(vb);
    if (!bothObjects && !bothArrays) {
      if (isContainer(va) || isContainer(vb)) {
        // An object against a scalar (or an array): A's value out, B's in.
        oneSided({ ...task, hasB: false }, "a");
        oneSided({ ...task, hasA: false }, "b");
        differences--; // one key whose value changed type: one difference, not two
        continue;
      }
      const ta = JSON.stringify(va);
      const tb = JSON.stringify(vb);
      const same = ta === tb;
      if (!same) differences++;
      emit({ depth: task.depth, key: task.key, a: ta, b: tb, status: same ? "same" : "changed", path: task.path });
      continue;
    }
    const [open, close] = bothArrays ? ["[", "]"] : ["{", "}"];
    const at = emit({ depth: task.depth, key: task.key, a: open, b: open, status: "same", edge: "open", path: task.path });
    stack.push({ t: "close", depth: task.depth, path: task.path, open: at, differencesBefore: differences, a: close, b: close, status: "same" });
    const children: Task[] = [];
    if (bothArrays) {
      const xa = va as Json[];
      const xb = vb as Json[];
      for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
        children.push({ t: "node", depth: task.depth + 1, key: i, path: childPath(task.path, i), a: xa[i], b: xb[i], hasA: i < xa.length, hasB: i < xb.length });
      }
    } else {
      const oa = va as { [k: string]: Json };
      const ob = vb as { [k: string]: Json };
      for (const k of mergedKeys(Object.keys(oa), Object.keys(ob))) {
        const hasA = Object.hasOwn(oa, k);
        const hasB = Object.hasOwn(ob, k);
        children.push({ t: "node", depth: task.depth + 1, key: k, path: childPath(task.path, k), a: oa[k], b: ob[k], hasA, hasB });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return { lines, cut, differences };
}

/**
 * The lines worth reading when only differences are asked for: differing lines, and the opening
 * and closing lines of the containers that hold them (so each keeps its place in the record).
 */
export function differingLines(lines: DiffLine[]): DiffLine[] {
  return lines.filter((l) => l.status !== "same" || l.inner);
}

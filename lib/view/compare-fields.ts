// The catalog's fields of two events side by side (the compare page): every field either event has
// a value for, in catalog order, with whether the two differ. Fields the catalog gains later (an
// enrichment, the actor) appear here without a change.
import { FIELDS, type FieldKind } from "../fields";
import type { ApiEvent } from "../query/events";

export interface FieldPair {
  key: string;
  label: string;
  kind: FieldKind;
  a: ApiEvent[string];
  b: ApiEvent[string];
  differs: boolean;
}

const empty = (v: ApiEvent[string] | undefined) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

/** Fields with a value on either side; `bothEmpty` counts those left out. */
export function fieldPairs(a: ApiEvent, b: ApiEvent): { pairs: FieldPair[]; bothEmpty: number } {
  const pairs: FieldPair[] = [];
  let bothEmpty = 0;
  for (const f of FIELDS) {
    const va = a[f.key] ?? null;
    const vb = b[f.key] ?? null;
    if (empty(va) && empty(vb)) {
      bothEmpty++;
      continue;
    }
    pairs.push({ key: f.key, label: f.label, kind: f.kind, a: va, b: vb, differs: JSON.stringify(empty(va) ? null : va) !== JSON.stringify(empty(vb) ? null : vb) });
  }
  return { pairs, bothEmpty };
}

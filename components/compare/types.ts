// One event of a comparison as the compare page renders it; loaded by app/compare/_data/compare.ts.
import type { ApiEvent } from "../../lib/query/events";

export interface ComparedEvent {
  id: string;
  /** The catalog's columns, as the table and the API show them. */
  event: ApiEvent;
  /** The record as stored (as the detail's raw record). */
  json: string;
}

// A detection is data over the field catalog: a title, why it matters, a severity, a MITRE ATT&CK
// technique and a query string of the contract's filter language (the parameters /api/events
// takes, without from/to). Built-in ones live in lib/detections/library.ts; a user turns any saved
// view into one (saved_views.detection).
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Detection {
  /** Built-in: a stable slug (e.g. "cloudtrail-tampering"); user-made: "view-<saved view id>". */
  id: string;
  title: string;
  /** Why it matters, in a sentence or two an investigator reads on the detections page. */
  why: string;
  severity: Severity;
  /** MITRE ATT&CK technique id, e.g. "T1562.008". */
  technique: string;
  /** The filter as a query string of the contract (no from/to). */
  query: string;
  /** Where it comes from: the CIS AWS Foundations Benchmark control, or an attack path. */
  origin: "cis" | "attack" | "user";
  /** CIS control number (origin "cis"), e.g. "4.3". */
  control?: string;
  /**
   * Only events in bursts count (e.g. secrets read in bulk): the query's events are grouped by
   * `per` and fixed windows of `windowMinutes` (aligned to UTC midnight; a divisor of a day), and a
   * group counts — all of its events — when it holds at least `atLeast` events, or, with
   * `distinct`, at least `atLeast` different values of that field. The timeline link shows every
   * event of the query; the count and sparkline only the bursts. lib/detections/count.ts.
   */
  threshold?: Threshold;
}

export interface Threshold {
  /** A catalog field key or record path the events are grouped by, e.g. "principalArn". */
  per: string;
  windowMinutes: number;
  atLeast: number;
  /** Count different values of this field (catalog key or record path) instead of events. */
  distinct?: string;
}

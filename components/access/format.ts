// How the access pages write times and scopes: UTC (as the audit trail and CloudTrail do), to the
// minute or second, and "—" for never.
import { formatTime } from "../../lib/view/time";

export function utcTime(t: Date | string | null | undefined, precision: "s" | "m" = "m"): string {
  if (t === null || t === undefined) return "—";
  return `${formatTime(t, "utc", precision)} UTC`;
}

/** "all accounts", or the IDs; `short` gives "3 accounts" past two. */
export function scopeText(accounts: string[] | null, short = false): string {
  if (!accounts || accounts.length === 0) return "all accounts";
  if (short && accounts.length > 2) return `${accounts.length} accounts`;
  return accounts.join(", ");
}

export const ROLE_WORDS = {
  admin: "Admin: everything, including users and the audit trail",
  analyst: "Analyst: read, export and share links",
  auditor: "Auditor: read and export",
} as const;

// An event's integrity as a small badge: the verdict on the log file it was stored from.
const STYLE: Record<string, string> = {
  verified: "border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  failed: "border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-300",
  unverified: "border-zinc-300 bg-zinc-50 text-zinc-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-400",
};

const TITLE: Record<string, string> = {
  verified: "Its log file matches the digest CloudTrail signed (signature checked)",
  failed: "Its log file differs from what CloudTrail's digest recorded: altered after delivery",
  unverified: "Not verified: no digest names its log file, the signature could not be checked (a folder), or it came from LookupEvents",
};

export function IntegrityBadge({ value }: { value: string }) {
  const v = STYLE[value] ? value : "unverified";
  return (
    <span title={TITLE[v]} className={`inline-block rounded-full border px-1.5 text-[11px] leading-4 ${STYLE[v]}`}>
      {v === "verified" ? "✓ verified" : v === "failed" ? "✗ failed" : "unverified"}
    </span>
  );
}

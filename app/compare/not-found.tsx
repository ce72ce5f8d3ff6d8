import Link from "next/link";

export default function CompareNotFound() {
  return (
    <div className="mx-auto max-w-3xl p-4 text-sm" role="alert">
      <h1 className="text-base font-semibold">No such event</h1>
      <p className="mt-1 text-zinc-600 dark:text-zinc-400">
        At least one of the two event IDs names no stored event. It may not be synced yet, or the link was cut short. Search for it on the{" "}
        <Link className="underline" href="/events">
          timeline
        </Link>
        , or{" "}
        <Link className="underline" href="/compare">
          enter two event IDs
        </Link>
        .
      </p>
    </div>
  );
}

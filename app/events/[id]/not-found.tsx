import Link from "next/link";

export default function EventNotFound() {
  return (
    <div className="mx-auto max-w-3xl p-4 text-sm" role="alert">
      <h1 className="text-base font-semibold">No such event</h1>
      <p className="mt-1 text-zinc-600 dark:text-zinc-400">
        No stored event has this ID. It may not be synced yet (see{" "}
        <Link className="underline" href="/sync">
          Sync
        </Link>
        ), or the link was cut short. Search for it on the{" "}
        <Link className="underline" href="/events">
          timeline
        </Link>
        .
      </p>
    </div>
  );
}

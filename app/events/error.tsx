"use client";
// Anything the timeline's own sections did not catch (invalid parameters are not errors: they get
// a message naming the parameter). Says what to try, and offers a retry.
import Link from "next/link";

export default function EventsError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String((error as { digest?: string }).digest ?? "") : "";
  return (
    <div role="alert" className="m-4 max-w-2xl rounded border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      <h1 className="font-semibold">The timeline could not be loaded.</h1>
      <p className="mt-1">
        The database may be unreachable, or the query failed. Try again; if it keeps failing, check that PostgreSQL is running and look at the server log
        {digest ? <> for error {digest}</> : null}.
      </p>
      <p className="mt-3 flex gap-3">
        <button type="button" onClick={() => retry()} className="rounded border border-red-300 px-2 py-0.5 hover:bg-red-100 dark:border-red-800 dark:hover:bg-red-900">
          Try again
        </button>
        <Link href="/events" className="underline">
          Open the timeline without filters
        </Link>
      </p>
    </div>
  );
}

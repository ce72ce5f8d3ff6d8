"use client";
// Keeps one failing part of a page (facets, histogram, table) from taking the others down, and says
// what to do about it. Server errors arrive without their message in production (Next hides it);
// the digest matches the server log line.
import { catchError, type ErrorInfo } from "next/error";

function SectionFailed({ what }: { what: string }, { error, retry }: ErrorInfo) {
  const digest = error instanceof Error && "digest" in error ? String((error as { digest?: string }).digest ?? "") : "";
  return (
    <div role="alert" className="m-3 rounded border border-red-300 bg-red-50 p-3 text-xs text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      <p className="font-medium">Could not load the {what}.</p>
      <p className="mt-1">
        The database may be unreachable or the query timed out. Try again; if it keeps failing, narrow the time range and check the server log
        {digest ? <> (error {digest})</> : null}.
      </p>
      <button type="button" onClick={() => retry()} className="mt-2 rounded border border-red-300 px-2 py-0.5 hover:bg-red-100 dark:border-red-800 dark:hover:bg-red-900">
        Try again
      </button>
    </div>
  );
}

export const SectionBoundary = catchError(SectionFailed);

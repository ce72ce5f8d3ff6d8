"use client";
import type { PagedRows } from "./usePagedRows";

export function LoadMore({ paged, pageSize }: { paged: PagedRows; pageSize: number }) {
  return (
    <div className="flex items-center gap-3 px-2 py-3 text-xs text-zinc-500">
      <span>
        {paged.rows.length.toLocaleString("en-US")} loaded{paged.hasMore ? "" : " — end of results"}
      </span>
      {paged.hasMore && (
        <button
          type="button"
          onClick={paged.loadMore}
          disabled={paged.loading}
          className="rounded border border-zinc-300 px-2 py-1 text-zinc-700 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800"
        >
          {paged.loading ? "Loading…" : `Load ${pageSize} more`}
        </button>
      )}
      {paged.error && (
        <span role="alert" className="text-red-700 dark:text-red-400">
          Could not load more: {paged.error}. Try again, or narrow the filters.
        </span>
      )}
    </div>
  );
}

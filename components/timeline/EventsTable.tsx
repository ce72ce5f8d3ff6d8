"use client";
// The timeline's table (TanStack Table 9). The server sends the first page (keyset-paged by
// listEvents, never OFFSET); "Load more" appends the next pages from /api/events with the same
// parameters. Sorting is the server's (manualSorting): a header click changes `sort=` in the URL.
// Column choice and order come from `columns=`, time zone from `tz=`, the open event from `event=`.
import {
  columnOrderingFeature,
  columnVisibilityFeature,
  createColumnHelper,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type SortingState,
  type Updater,
} from "@tanstack/react-table";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { FIELD_BY_KEY, FIELDS } from "../../lib/fields";
import type { ApiEvent, EventPage } from "../../lib/query/events";
import { exactValue } from "../../lib/query/filter-value";
import { arnLabels, type ArnLabel } from "../../lib/view/arn";
import { useUrlState } from "../../lib/view/navigation";
import { addFilter, DEFAULT_SORT, pivot, setParam, setSort } from "../../lib/view/url";
import { parseColumns, type TimeZoneMode } from "../../lib/view/viewParams";
import type { EventDetailData } from "../detail/types";
import { CellValue } from "./CellValue";
import { LoadMore } from "./LoadMore";
import { useTimelineKeys } from "./keyboard";
import { RowPivots } from "./RowPivots";
import { ScrollHint } from "./ScrollHint";
import { SidePanel } from "./SidePanel";
import { usePagedRows } from "./usePagedRows";

const features = tableFeatures({ rowSortingFeature, columnVisibilityFeature, columnOrderingFeature });
const helper = createColumnHelper<typeof features, ApiEvent>();
// Every catalog field is a column (module scope: TanStack needs stable column definitions);
// `columns=` decides which are visible and in what order.
const columns = helper.columns(
  FIELDS.map((f) =>
    helper.accessor((row: ApiEvent) => row[f.key], {
      id: f.key,
      header: f.label,
      enableSorting: f.sort,
      sortDescFirst: f.kind === "time",
    }),
  ),
);

/** Column width caps by render kind, so one long value (an IPv6 address, a hash-like user name)
 * does not push the error column off screen; the full value is in the cell's title. */
const MAX_WIDTH: Record<string, string> = {
  ip: "max-w-[9.5rem]",
  arn: "max-w-[22rem]",
  list: "max-w-[22rem]",
  time: "",
};

function sortOf(params: URLSearchParams): SortingState {
  const [key, dir] = (params.get("sort") ?? DEFAULT_SORT).split(":");
  return [{ id: key, desc: (dir ?? "desc") === "desc" }];
}

function columnsOf(params: URLSearchParams): string[] {
  try {
    return parseColumns(params.get("columns") ?? undefined);
  } catch {
    return parseColumns(undefined); // the server has already reported a bad value
  }
}

export function EventsTable({
  initial,
  pagingQuery,
  initialDetail,
  empty,
  pageSize,
}: {
  initial: EventPage;
  /** Rows per "Load more" (the page's own limit). */
  pageSize: number;
  pagingQuery: string;
  initialDetail: EventDetailData | null;
  /** Shown instead of the table when nothing matches (the side panel still opens). */
  empty: React.ReactNode;
}) {
  const { params, navigate, setView } = useUrlState();
  const paged = usePagedRows(initial, pagingQuery, pageSize);
  const { rows } = paged;
  const tz = (params.get("tz") === "local" ? "local" : "utc") as TimeZoneMode;
  const openId = params.get("event");
  const visibleKey = columnsOf(params).join(",");
  const sorting = useMemo(() => sortOf(params), [params]);

  // Each ARN column's labels over the rows loaded, so two ARNs never read the same.
  const arnsByColumn = useMemo(() => {
    const out = new Map<string, Map<string, ArnLabel>>();
    for (const key of visibleKey.split(",")) {
      if (FIELD_BY_KEY.get(key)?.render !== "arn") continue;
      out.set(key, arnLabels(rows.flatMap((r) => [r[key]].flat().filter((v): v is string => typeof v === "string"))));
    }
    return out;
  }, [rows, visibleKey]);

  const columnVisibility = useMemo(() => Object.fromEntries(FIELDS.map((f) => [f.key, visibleKey.split(",").includes(f.key)])), [visibleKey]);
  const columnOrder = useMemo(() => visibleKey.split(","), [visibleKey]);
  const onSortingChange = useCallback(
    (updater: Updater<SortingState>) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      if (next[0]) navigate(setSort(params, next[0].id, next[0].desc ? "desc" : "asc"));
    },
    [navigate, params, sorting],
  );

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (r) => String(r.eventID),
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    state: { sorting, columnVisibility, columnOrder },
    onSortingChange,
  });

  // ---- selection and the side panel ------------------------------------------------------------
  const [selected, setSelected] = useState(() => rows.findIndex((r) => r.eventID === openId));
  const rowRefs = useRef(new Map<number, HTMLTableRowElement>());
  useEffect(() => {
    const i = rows.findIndex((r) => r.eventID === openId);
    if (i >= 0) setSelected(i);
  }, [openId, rows]);

  const openEvent = useCallback((id: string | null) => setView(setParam(params, "event", id)), [params, setView]);
  const select = useCallback(
    (i: number, open: boolean) => {
      const clamped = Math.max(0, Math.min(rows.length - 1, i));
      setSelected(clamped);
      const row = rowRefs.current.get(clamped);
      row?.focus({ preventScroll: true });
      row?.scrollIntoView({ block: "nearest" });
      if (open) openEvent(String(rows[clamped].eventID));
    },
    [rows, openEvent],
  );
  const closePanel = useCallback(() => {
    openEvent(null);
    rowRefs.current.get(selected)?.focus({ preventScroll: true });
  }, [openEvent, selected]);

  useTimelineKeys({
    // With the panel open, moving also opens: the panel follows the selection.
    next: () => rows.length && select(selected < 0 ? 0 : selected + 1, openId !== null),
    prev: () => rows.length && select(selected < 0 ? 0 : selected - 1, openId !== null),
    open: () => selected >= 0 && select(selected, true),
    close: () => openId !== null && closePanel(),
  });

  const onFilter = useCallback((key: string, value: string, negate: boolean) => navigate(addFilter(params, key, exactValue(value), negate)), [navigate, params]);
  const onPivot = useCallback((key: string, values: string[]) => navigate(pivot(params, key, values)), [navigate, params]);

  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const sortLabel = `${FIELD_BY_KEY.get(sorting[0]?.id)?.label ?? sorting[0]?.id}, ${sorting[0]?.desc ? "descending" : "ascending"}`;

  return (
    <div className="flex min-h-0 flex-1">
      <div ref={scroller} className="min-h-0 min-w-0 flex-1 overflow-auto" data-testid="events-scroll">
        {rows.length === 0 ? (
          empty
        ) : (
          <>
            <ScrollHint scroller={scroller} />
            <table className="w-full border-separate border-spacing-0 text-left text-xs" aria-label="Events">
              <caption className="sr-only">
                Matching events, sorted by {sortLabel}. Keys: j and k move between rows, Enter opens the selected event, Escape closes it, slash focuses search.
              </caption>
              <thead className="sticky top-0 z-10 bg-zinc-100 dark:bg-zinc-900">
                <tr>
                  {headers.map((h) => (
                    <SortHeader key={h.id} id={h.column.id} dir={h.column.getIsSorted()} canSort={h.column.getCanSort()} onToggle={h.column.getToggleSortingHandler()} tz={tz} />
                  ))}
                  <th scope="col" className="border-b border-zinc-300 px-2 py-1.5 dark:border-zinc-700">
                    <span className="sr-only">Pivot</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {table.getRowModel().rows.map((row, i) => {
                  const isSelected = i === selected;
                  const isOpen = row.original.eventID === openId;
                  return (
                    <tr
                      key={row.id}
                      ref={(el) => {
                        if (el) rowRefs.current.set(i, el);
                        else rowRefs.current.delete(i);
                      }}
                      // Roving tabindex: Tab enters the table at the selected row, j/k move from there.
                      tabIndex={isSelected || (selected < 0 && i === 0) ? 0 : -1}
                      aria-selected={isSelected}
                      data-event-id={row.id}
                      onClick={() => select(i, true)}
                      onFocus={() => setSelected(i)}
                      className={`group cursor-pointer outline-none ${
                        isOpen ? "bg-sky-100 dark:bg-sky-950" : isSelected ? "bg-zinc-100 dark:bg-zinc-800/70" : "hover:bg-zinc-50 dark:hover:bg-zinc-900"
                      } focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-sky-500`}
                    >
                      {row.getVisibleCells().map((cell) => {
                        const field = FIELD_BY_KEY.get(cell.column.id)!;
                        return (
                          <td key={cell.id} className="group/cell whitespace-nowrap border-b border-zinc-100 px-1.5 py-1 first:pl-2 dark:border-zinc-800/80">
                            <CellValue field={field} value={cell.getValue()} tz={tz} onFilter={onFilter} arns={arnsByColumn.get(field.key)} className={MAX_WIDTH[field.render] ?? "max-w-[12rem]"} />
                          </td>
                        );
                      })}
                      <td className="whitespace-nowrap border-b border-zinc-100 px-2 py-1 text-right dark:border-zinc-800/80">
                        <RowPivots event={row.original} onPivot={onPivot} visible={isSelected || isOpen} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <LoadMore paged={paged} pageSize={pageSize} />
          </>
        )}
      </div>
      {openId && <SidePanel key={openId} id={openId} initial={initialDetail?.id === openId ? initialDetail : null} onClose={closePanel} onOpen={openEvent} />}
    </div>
  );
}

function SortHeader({ id, dir, canSort, onToggle, tz }: { id: string; dir: false | "asc" | "desc"; canSort: boolean; onToggle: ((e: unknown) => void) | undefined; tz: TimeZoneMode }) {
  const label = FIELD_BY_KEY.get(id)?.label ?? id;
  return (
    <th
      scope="col"
      aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : undefined}
      className="whitespace-nowrap border-b border-zinc-300 px-1.5 py-1.5 font-medium text-zinc-600 first:pl-2 dark:border-zinc-700 dark:text-zinc-300"
    >
      {canSort ? (
        <button type="button" onClick={onToggle} className="inline-flex items-center gap-1 hover:text-zinc-950 dark:hover:text-white" title={`Sort by ${label}`}>
          {label}
          {id === "eventTime" && <span className="font-normal text-zinc-400">({tz === "utc" ? "UTC" : "local"})</span>}
          <span aria-hidden className={dir ? "text-sky-600 dark:text-sky-400" : "text-zinc-300 dark:text-zinc-600"}>
            {dir === "asc" ? "▲" : dir === "desc" ? "▼" : "↕"}
          </span>
        </button>
      ) : (
        label
      )}
    </th>
  );
}

// Placeholders shown while a part of the page streams in (Suspense fallbacks). Shapes match the
// real content so nothing jumps when it arrives.
function Bar({ className = "" }: { className?: string }) {
  return <span className={`block animate-pulse rounded bg-zinc-200 dark:bg-zinc-800 ${className}`} />;
}

export function CountSkeleton() {
  return (
    <span className="inline-flex items-center gap-2" aria-busy="true" aria-label="Counting events">
      <Bar className="h-4 w-32" />
    </span>
  );
}

export function HistogramSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading the histogram" className="flex h-[88px] items-end gap-px px-1 pb-5">
      {Array.from({ length: 60 }, (_, i) => (
        <Bar key={i} className="flex-1" />
      ))}
    </div>
  );
}

export function FacetSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading facets" className="space-y-4 p-3">
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i} className="space-y-1.5">
          <Bar className="h-3 w-24" />
          <Bar className="h-3 w-full" />
          <Bar className="h-3 w-5/6" />
          <Bar className="h-3 w-2/3" />
        </div>
      ))}
    </div>
  );
}

export function TableSkeleton({ columns = 8, rows = 14 }: { columns?: number; rows?: number }) {
  return (
    <div aria-busy="true" aria-label="Loading events" className="flex-1 space-y-0">
      <div className="flex gap-3 border-b border-zinc-200 bg-zinc-100 px-2 py-2 dark:border-zinc-800 dark:bg-zinc-900">
        {Array.from({ length: columns }, (_, i) => (
          <Bar key={i} className="h-3 flex-1" />
        ))}
      </div>
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="flex gap-3 border-b border-zinc-100 px-2 py-2 dark:border-zinc-800/80">
          {Array.from({ length: columns }, (_, i) => (
            <Bar key={i} className="h-3 flex-1 opacity-70" />
          ))}
        </div>
      ))}
    </div>
  );
}

export function DetailSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading the event" className="space-y-3">
      <Bar className="h-5 w-2/3" />
      <Bar className="h-3 w-1/2" />
      {Array.from({ length: 4 }, (_, i) => (
        <div key={i} className="space-y-1.5 pt-2">
          <Bar className="h-3 w-20" />
          <Bar className="h-3 w-full" />
          <Bar className="h-3 w-4/5" />
        </div>
      ))}
    </div>
  );
}

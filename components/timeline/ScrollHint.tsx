"use client";
// Says that the table scrolls sideways while columns lie beyond its right edge: on a phone the
// columns after the first few are otherwise out of sight with nothing to tell they exist.
import { useEffect, useState, type RefObject } from "react";

/** Columns hidden to the right of a scroll container (watched on resize and scroll). */
function useMoreToTheRight(ref: RefObject<HTMLElement | null>): boolean {
  const [more, setMore] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setMore(el.scrollWidth - el.clientWidth - el.scrollLeft > 4);
    const ro = new ResizeObserver(check);
    ro.observe(el);
    for (const child of el.children) ro.observe(child);
    el.addEventListener("scroll", check, { passive: true });
    check();
    return () => (ro.disconnect(), el.removeEventListener("scroll", check));
  }, [ref]);
  return more;
}

export function ScrollHint({ scroller }: { scroller: RefObject<HTMLElement | null> }) {
  const more = useMoreToTheRight(scroller);
  if (!more) return null;
  return (
    <p data-testid="scroll-hint" className="sticky left-0 z-20 flex items-center justify-end gap-1 bg-amber-50 px-2 py-0.5 text-[11px] text-amber-900 dark:bg-amber-950 dark:text-amber-200">
      More columns to the right: scroll the table sideways <span aria-hidden>→</span>
    </p>
  );
}

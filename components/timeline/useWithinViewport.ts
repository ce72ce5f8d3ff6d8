"use client";
// A <details> dropdown's panel kept inside the window: anchored to its button, it can open past
// the left edge when the button sits at the left of a narrow, wrapped toolbar (the Columns menu
// opened at x = −88 at 390 px). Each time it opens (and on resize) it is moved sideways just
// enough; its CSS caps its width at the window's.
import { useEffect, useRef } from "react";

/** Space kept between a panel and the window's edges, in px. */
const MARGIN = 8;

export function useWithinViewport<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    const panel = ref.current;
    const details = panel?.closest("details");
    if (!panel || !details) return;
    const place = () => {
      panel.style.translate = "";
      if (!details.open) return;
      const r = panel.getBoundingClientRect();
      const width = document.documentElement.clientWidth;
      let dx = 0;
      if (r.right > width - MARGIN) dx = width - MARGIN - r.right;
      if (r.left + dx < MARGIN) dx = MARGIN - r.left;
      if (dx) panel.style.translate = `${Math.round(dx)}px 0`;
    };
    details.addEventListener("toggle", place);
    window.addEventListener("resize", place);
    place();
    return () => {
      details.removeEventListener("toggle", place);
      window.removeEventListener("resize", place);
    };
  }, []);
  return ref;
}

"use client";
// Timeline keys, as in mail and log viewers: j/k move, Enter opens, Esc closes, / focuses search.
// Keys typed into a field are left alone (Esc there just leaves the field).
import { useEffect, useRef } from "react";

export const SEARCH_INPUT_ID = "timeline-search";

interface Handlers {
  next(): void;
  prev(): void;
  open(): void;
  close(): void;
}

function isTyping(t: EventTarget | null): t is HTMLElement {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
}

export function useTimelineKeys(handlers: Handlers) {
  // The latest handlers without re-subscribing on every render.
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (isTyping(e.target)) {
        if (e.key === "Escape") e.target.blur();
        return;
      }
      const h = ref.current;
      switch (e.key) {
        case "j":
          e.preventDefault();
          h.next();
          break;
        case "k":
          e.preventDefault();
          h.prev();
          break;
        case "Enter":
          // Enter on a link or button keeps its own meaning.
          if (e.target instanceof HTMLElement && e.target.closest("a,button,summary")) return;
          e.preventDefault();
          h.open();
          break;
        case "Escape":
          h.close();
          break;
        case "/": {
          const input = document.getElementById(SEARCH_INPUT_ID);
          if (input) {
            e.preventDefault();
            input.focus();
            if (input instanceof HTMLInputElement) input.select();
          }
          break;
        }
      }
    }
    document.addEventListener("keydown", onKey);
    // Lets tests (and styles) know the keys work: they do only once hydrated.
    document.documentElement.dataset.timelineKeys = "on";
    return () => {
      document.removeEventListener("keydown", onKey);
      delete document.documentElement.dataset.timelineKeys;
    };
  }, []);
}

"use client";
// True once hydrated. Anything that depends on the browser (its time zone, the clipboard) renders
// the server's version first and the browser's after, instead of a hydration mismatch.
import { useSyncExternalStore } from "react";

const noop = () => () => {};

export function useIsClient(): boolean {
  return useSyncExternalStore(noop, () => true, () => false);
}

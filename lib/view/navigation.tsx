"use client";
// Client-side URL updates for the timeline. Two kinds:
// - query changes (filters, time, sort, q): a router navigation, so the server component re-reads
//   searchParams and re-queries; one shared transition drives the "updating" indicator.
// - view changes (columns, tz, event): window.history only. Next keeps useSearchParams in sync with
//   native history calls, and nothing needs re-querying, so they are instant.
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { createContext, useCallback, useContext, useMemo, useTransition, type ComponentProps, type MouseEvent } from "react";
import { href, toParams } from "./url";

interface UrlState {
  /** Navigates to a new query (server re-render). */
  navigate(next: URLSearchParams | string, opts?: { replace?: boolean }): void;
  /** Updates presentation-only parameters without a server round trip. */
  setView(next: URLSearchParams, opts?: { push?: boolean }): void;
  pending: boolean;
}

const Ctx = createContext<UrlState | null>(null);

export function UrlStateProvider({ children }: { children: React.ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const navigate = useCallback<UrlState["navigate"]>(
    (next, opts) => {
      const target = typeof next === "string" && next.startsWith("/") ? next : href(pathname, toParams(next));
      startTransition(() => (opts?.replace ? router.replace : router.push)(target, { scroll: false }));
    },
    [router, pathname],
  );
  const setView = useCallback<UrlState["setView"]>(
    (next, opts) => {
      const target = href(pathname, next);
      if (opts?.push) window.history.pushState(null, "", target);
      else window.history.replaceState(null, "", target);
    },
    [pathname],
  );
  const value = useMemo(() => ({ navigate, setView, pending }), [navigate, setView, pending]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The current parameters and the ways to change them. */
export function useUrlState(): UrlState & { params: URLSearchParams } {
  const ctx = useContext(Ctx);
  const sp = useSearchParams();
  const params = useMemo(() => new URLSearchParams(sp.toString()), [sp]);
  if (!ctx) throw new Error("useUrlState outside UrlStateProvider");
  return { ...ctx, params };
}

/**
 * A real link (middle-click and "copy link address" work) that, on a plain click, navigates
 * through the shared transition when inside the timeline, and as an ordinary Link elsewhere.
 */
export function NavLink({ href: to, onClick, ...rest }: Omit<ComponentProps<typeof Link>, "href"> & { href: string }) {
  const ctx = useContext(Ctx);
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (!ctx || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    ctx.navigate(to);
  };
  return <Link href={to} scroll={false} onClick={click} {...rest} />;
}

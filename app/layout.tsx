import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { MainNav } from "../components/access/MainNav";
import { SharedViewBanner } from "../components/access/SharedViewBanner";
import { SignedInUser } from "../components/access/SignedInUser";
import { currentAccess } from "../lib/auth/guard";
import "./globals.css";

// An inline icon: no extra file to serve, and browsers stop asking for /favicon.ico.
const ICON =
  "data:image/svg+xml," +
  encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0284c7"/><path d="M3 11h2V7H3zm4 0h2V4H7zm4 0h2V8h-2z" fill="#fff"/></svg>');

export const metadata: Metadata = {
  title: "Trailscope",
  description: "Search, filter and export AWS CloudTrail events",
  icons: { icon: ICON },
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

// The timeline (marked data-shell) gets a fixed-height app shell on wide screens: table, facets and
// detail panel scroll on their own and the toolbar stays put. Other pages, and narrow screens,
// scroll as normal pages. The header shows who is signed in and the pages their role may open;
// without a principal (sign-in, setup) it shows the name alone.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const access = await currentAccess();
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col bg-white text-zinc-900 antialiased lg:has-[[data-shell]]:h-dvh dark:bg-zinc-950 dark:text-zinc-100">
        <a href="#content" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-sky-600 focus:px-2 focus:py-1 focus:text-white">
          Skip to content
        </a>
        <header className="flex shrink-0 flex-wrap items-center gap-x-6 gap-y-1 border-b border-zinc-200 bg-zinc-50 px-3 py-1.5 text-sm dark:border-zinc-800 dark:bg-zinc-900">
          <Link href="/events" className="font-semibold tracking-tight">
            Trailscope
          </Link>
          {access && <MainNav access={access} />}
          {access && (
            <p className="ml-auto hidden text-xs text-zinc-500 xl:block" aria-hidden>
              <kbd className="font-mono">j</kbd>/<kbd className="font-mono">k</kbd> move · <kbd className="font-mono">Enter</kbd> open · <kbd className="font-mono">Esc</kbd> close · <kbd className="font-mono">/</kbd> search
            </p>
          )}
          {access && !access.share && (
            <div className="ml-auto min-w-0 xl:ml-0">
              <SignedInUser access={access} />
            </div>
          )}
        </header>
        {access?.share && <SharedViewBanner share={access.share} />}
        <main id="content" className="flex min-h-0 flex-1 flex-col">
          {children}
        </main>
      </body>
    </html>
  );
}

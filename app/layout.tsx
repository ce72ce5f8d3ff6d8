import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";

export const metadata: Metadata = {
  title: "Trailscope",
  description: "Search, filter and export AWS CloudTrail events",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-white text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
        <header className="flex items-center gap-6 border-b border-zinc-200 px-4 py-2 text-sm dark:border-zinc-800">
          <Link href="/events" className="font-semibold">Trailscope</Link>
          <nav className="flex gap-4 text-zinc-600 dark:text-zinc-400">
            <Link href="/events">Events</Link>
            <Link href="/sync">Sync</Link>
          </nav>
        </header>
        <main className="p-4">{children}</main>
      </body>
    </html>
  );
}

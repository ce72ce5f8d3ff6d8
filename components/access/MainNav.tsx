// The header's page links, by what the principal may open: pages it cannot open answer 404, so
// they are not offered. /sync: not for share links (a scoped user sees its accounts' freshness there).
import Link from "next/link";
import type { Access } from "../../lib/auth/access";
import { can } from "../../lib/auth/access";

const linkClass = "hover:text-zinc-900 dark:hover:text-white";

export function MainNav({ access }: { access: Access }) {
  const links: { href: string; label: string }[] = [{ href: "/events", label: "Events" }];
  if (!access.share) links.push({ href: "/sync", label: "Sync" });
  if (!access.share) links.push({ href: "/detections", label: "Detections" }, { href: "/views", label: "Views" });
  if (!access.share) links.push({ href: "/integrity", label: "Integrity" });
  if (can(access, "share")) links.push({ href: "/shares", label: "Shares" }, { href: "/alerts", label: "Alerts" });
  if (can(access, "admin")) links.push({ href: "/admin/users", label: "Users" }, { href: "/admin/audit", label: "Audit" });
  return (
    <nav aria-label="Main" className="flex flex-wrap gap-x-4 gap-y-1 text-zinc-600 dark:text-zinc-400">
      {links.map((l) => (
        <Link key={l.href} href={l.href} className={linkClass}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}

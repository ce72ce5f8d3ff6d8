// The header's right end: who is signed in (email, role, account scope), their account page and
// sign-out. Sign-out is Better Auth's endpoint; afterwards a full load of /sign-in, so nothing of
// the signed-in page stays on screen.
import Link from "next/link";
import type { Access } from "../../lib/auth/access";
import { ApiActionButton } from "./ApiActionButton";
import { ROLE_WORDS } from "./format";

export function SignedInUser({ access }: { access: Access }) {
  const scope = access.scope;
  return (
    <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1 text-xs" data-testid="signed-in-user">
      <span className="min-w-0 truncate font-medium text-zinc-800 dark:text-zinc-200" title={access.name}>
        {access.name}
      </span>
      {access.role && (
        <span className="rounded-full bg-zinc-200 px-2 py-0.5 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300" title={ROLE_WORDS[access.role]}>
          {access.role}
        </span>
      )}
      {scope && (
        <span className="text-amber-800 dark:text-amber-300" title={`Sees only events of ${scope.join(", ")}`}>
          scoped to {scope.length} account{scope.length === 1 ? "" : "s"}
        </span>
      )}
      <Link href="/account" className="text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white">
        Account
      </Link>
      {access.kind === "session" && <ApiActionButton label="Sign out" busyLabel="Signing out…" method="POST" url="/api/auth/sign-out" body={{}} then="/sign-in" />}
    </div>
  );
}

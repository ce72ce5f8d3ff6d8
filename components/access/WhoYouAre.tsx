// /account: the principal as the console sees it — what every page and API call is decided by.
import type { Access } from "../../lib/auth/access";
import { ROLE_WORDS } from "./format";

export function WhoYouAre({ access }: { access: Access }) {
  return (
    <dl className="grid max-w-2xl grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      <dt className="text-zinc-500">Email</dt>
      <dd className="break-all">{access.name}</dd>
      <dt className="text-zinc-500">Role</dt>
      <dd>{access.role ? ROLE_WORDS[access.role] : "none"}</dd>
      <dt className="text-zinc-500">Accounts</dt>
      <dd>
        {access.scope ? (
          <>
            Only events of <span className="font-mono">{access.scope.join(", ")}</span>
          </>
        ) : (
          "All AWS accounts"
        )}
      </dd>
    </dl>
  );
}

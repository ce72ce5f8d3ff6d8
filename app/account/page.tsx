// /account: who you are to the console, your API tokens, and signing out of every session.
// Not for share links: they have no account (404, like any page one may not open).
import { notFound } from "next/navigation";
import { ApiActionButton } from "../../components/access/ApiActionButton";
import { CreateTokenForm } from "../../components/access/CreateTokenForm";
import { TokensTable } from "../../components/access/TokensTable";
import { WhoYouAre } from "../../components/access/WhoYouAre";
import { pageAccess } from "../../lib/auth/guard";
import { listTokens } from "../../lib/auth/users";

export const dynamic = "force-dynamic";

export const metadata = { title: "Account · Trailscope" };

export default async function AccountPage() {
  const { access, db } = await pageAccess("read", "/account");
  if (access.share) notFound();
  const tokens = await listTokens(db, access.userId);
  return (
    <div className="space-y-6 p-4">
      <section aria-labelledby="account-who" className="space-y-2">
        <h1 id="account-who" className="text-base font-semibold">
          Account
        </h1>
        <WhoYouAre access={access} />
      </section>

      <section aria-labelledby="account-tokens" className="space-y-3">
        <div>
          <h2 id="account-tokens" className="text-sm font-semibold">
            API tokens
          </h2>
          <p className="text-xs text-zinc-500">For scripts and tools: every /api route accepts one. A token has your role and accounts at each use, so changes to them apply to it too.</p>
        </div>
        <div className="overflow-x-auto">
          <TokensTable tokens={tokens} />
        </div>
        {access.kind === "session" ? <CreateTokenForm /> : <p className="text-xs text-zinc-500">Sign in to the console to create tokens.</p>}
      </section>

      {access.kind === "session" && (
        <section aria-labelledby="account-sessions" className="space-y-2">
          <h2 id="account-sessions" className="text-sm font-semibold">
            Sessions
          </h2>
          <p className="text-xs text-zinc-500">Ends every session of yours, in every browser, this one included. API tokens keep working: revoke them above.</p>
          <ApiActionButton
            label="Sign out everywhere"
            busyLabel="Signing out…"
            danger
            method="POST"
            url="/api/auth/revoke-sessions"
            body={{}}
            then="/sign-in"
            confirm="Sign out of every browser, this one included?"
          />
        </section>
      )}
    </div>
  );
}

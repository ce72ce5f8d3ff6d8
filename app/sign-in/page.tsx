// /sign-in: open to everyone (proxy.ts). Already signed in: on to where the visitor was going.
import { redirect } from "next/navigation";
import { SignInForm } from "../../components/access/SignInForm";
import { currentAccess } from "../../lib/auth/guard";
import { accessSettings } from "../../lib/auth/settings";
import { countUsers } from "../../lib/auth/users";
import { getDb } from "../../lib/store/db";
import { safeNext } from "../../lib/view/safe-next";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in · Trailscope" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = safeNext(typeof sp.next === "string" ? sp.next : null);
  const access = await currentAccess();
  if (access && !access.share) redirect(next);
  const noUsers = (await countUsers(getDb())) === 0;
  const oidc = accessSettings().oidc;
  return (
    <div className="mx-auto mt-16 w-full max-w-sm px-4">
      <h1 className="mb-1 text-lg font-semibold">Sign in to Trailscope</h1>
      <p className="mb-6 text-sm text-zinc-500">CloudTrail events of your AWS accounts.</p>
      {sp.error === "sso" && (
        <p role="alert" className="mb-4 rounded border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          Single sign-on did not complete. Your administrator must add your email as a user first.
        </p>
      )}
      {noUsers ? (
        <div className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          <p className="font-medium">This console has no users yet.</p>
          <p className="mt-1">
            Open the one-time setup link that <code className="font-mono">npm start</code> printed in its terminal to create the first admin, or set{" "}
            <code className="font-mono">TRAILSCOPE_ADMIN_EMAIL</code> and <code className="font-mono">TRAILSCOPE_ADMIN_PASSWORD</code> and start again.
          </p>
        </div>
      ) : (
        <SignInForm next={next} sso={oidc ? oidc.name : null} />
      )}
    </div>
  );
}

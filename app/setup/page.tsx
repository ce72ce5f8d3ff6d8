// /setup?token=…: first run. `npm start` prints this link while the console has no user.
import { SetupForm } from "../../components/access/SetupForm";
import { setupTokenValid } from "../../lib/auth/setup";
import { getDb } from "../../lib/store/db";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up · Trailscope" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const token = typeof sp.token === "string" ? sp.token : "";
  const valid = token !== "" && token.length < 200 && (await setupTokenValid(getDb(), token));
  return (
    <div className="mx-auto mt-16 w-full max-w-sm px-4">
      <h1 className="mb-1 text-lg font-semibold">Set up Trailscope</h1>
      {valid ? (
        <>
          <p className="mb-6 text-sm text-zinc-500">Create the first admin. You can invite analysts and auditors afterwards (Users).</p>
          <SetupForm token={token} />
        </>
      ) : (
        <p role="alert" className="mt-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          This setup link is not valid: the console has an admin already, or the link expired or was replaced. Sign in instead, or restart{" "}
          <code className="font-mono">npm start</code> on a console without users for a new link.
        </p>
      )}
    </div>
  );
}

"use client";
// The sign-in form: email + password through Better Auth's endpoint, and single sign-on when an
// OpenID provider is configured.
import { useState } from "react";
import { formAlertClass, formSubmitClass } from "./styles";

async function post(path: string, body: unknown): Promise<{ ok: boolean; data: Record<string, unknown> }> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { ok: res.ok, data };
}

export function SignInForm({ next, sso }: { next: string; sso: string | null }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const r = await post("/api/auth/sign-in/email", { email: form.get("email"), password: form.get("password") });
    setBusy(false);
    if (r.ok) window.location.assign(next);
    else setError(typeof r.data.message === "string" ? r.data.message : "Sign-in failed");
  }

  async function onSso() {
    setBusy(true);
    setError(null);
    const r = await post("/api/auth/sign-in/social", { provider: "oidc", callbackURL: next, errorCallbackURL: "/sign-in?error=sso" });
    if (r.ok && typeof r.data.url === "string") window.location.assign(r.data.url);
    else {
      setBusy(false);
      setError(typeof r.data.message === "string" ? r.data.message : "Single sign-on is not available");
    }
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Sign in with email and password">
        <label className="block text-sm">
          <span className="mb-1 block text-zinc-700 dark:text-zinc-300">Email</span>
          <input name="email" type="email" autoComplete="username" required className="w-full rounded border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900" />
        </label>
        <label className="block text-sm">
          <span className="mb-1 block text-zinc-700 dark:text-zinc-300">Password</span>
          <input name="password" type="password" autoComplete="current-password" required className="w-full rounded border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900" />
        </label>
        {error && (
          <p role="alert" className={formAlertClass}>{error}</p>
        )}
        <button type="submit" disabled={busy} className={formSubmitClass}>
          Sign in
        </button>
      </form>
      {sso && (
        <>
          <p className="text-center text-xs text-zinc-500">or</p>
          <button type="button" onClick={onSso} disabled={busy} className="w-full rounded border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900">
            Sign in with {sso}
          </button>
        </>
      )}
    </div>
  );
}

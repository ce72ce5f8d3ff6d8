"use client";
// First-run setup: creates the first admin with the one-time token, then signs in as it.
import { useState } from "react";
import { formAlertClass, formSubmitClass } from "./styles";

export function SetupForm({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    if (password !== form.get("confirm")) return setError("The passwords differ");
    setBusy(true);
    setError(null);
    const res = await fetch("/api/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, email, name: form.get("name") || undefined, password }) });
    if (!res.ok) {
      setBusy(false);
      return setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? "Setup failed");
    }
    await fetch("/api/auth/sign-in/email", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
    window.location.assign("/events");
  }

  const input = "w-full rounded border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="Create the first admin">
      <label className="block text-sm">
        <span className="mb-1 block">Name</span>
        <input name="name" autoComplete="name" className={input} />
      </label>
      <label className="block text-sm">
        <span className="mb-1 block">Email</span>
        <input name="email" type="email" autoComplete="username" required className={input} />
      </label>
      <label className="block text-sm">
        <span className="mb-1 block">Password (at least 10 characters)</span>
        <input name="password" type="password" autoComplete="new-password" minLength={10} required className={input} />
      </label>
      <label className="block text-sm">
        <span className="mb-1 block">Password again</span>
        <input name="confirm" type="password" autoComplete="new-password" minLength={10} required className={input} />
      </label>
      {error && (
        <p role="alert" className={formAlertClass}>{error}</p>
      )}
      <button type="submit" disabled={busy} className={formSubmitClass}>
        Create admin and sign in
      </button>
    </form>
  );
}

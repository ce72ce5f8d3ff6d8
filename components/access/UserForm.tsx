"use client";
// Adds a user, or updates one (same email): role, account scope, optionally name and password.
// POSTs /api/users; the API validates everything again and its error is shown as it says it.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Role } from "../../lib/auth/roles";
import { ROLE_WORDS } from "./format";
import { sendJson } from "./send-json";
import { errorTextClass, inputClass, primaryButtonClass } from "./styles";

const ROLE_OPTIONS: Role[] = ["admin", "analyst", "auditor"];
const MIN_PASSWORD = 10;

export interface UserFormInitial {
  email: string;
  name: string;
  role: Role;
  accounts: string[] | null;
}

/** "111111111111, 222222222222" → IDs, or the first entry that is not a 12-digit account ID. */
export function parseAccounts(text: string): { ids: string[] | null } | { bad: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const bad = parts.find((p) => !/^\d{12}$/.test(p));
  if (bad !== undefined) return { bad };
  return { ids: parts.length ? [...new Set(parts)] : null };
}

export function UserForm({ initial }: { initial?: UserFormInitial }) {
  const router = useRouter();
  const [email, setEmail] = useState(initial?.email ?? "");
  const [name, setName] = useState(initial?.name ?? "");
  const [role, setRole] = useState<Role>(initial?.role ?? "auditor");
  const [accounts, setAccounts] = useState(initial?.accounts?.join(", ") ?? "");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const editing = !!initial;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const scope = parseAccounts(accounts);
    if ("bad" in scope) return setError(`Accounts: "${scope.bad}" is not a 12-digit AWS account ID.`);
    if (password && password.length < MIN_PASSWORD) return setError(`Password: at least ${MIN_PASSWORD} characters (or leave it empty).`);
    setBusy(true);
    const r = await sendJson<{ user: { email: string } }>("POST", "/api/users", {
      email: email.trim(),
      role,
      accounts: scope.ids,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(password ? { password } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setDone(`${r.status === 201 ? "Added" : "Updated"} ${r.data.user.email}.`);
    setPassword("");
    if (!editing) {
      setEmail("");
      setName("");
      setAccounts("");
    }
    router.refresh();
  }

  return (
    <form id="user-form" aria-labelledby="user-form-title" onSubmit={submit} className="max-w-2xl space-y-3 rounded border border-zinc-200 p-4 text-sm dark:border-zinc-800">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 id="user-form-title" className="font-semibold">
          {editing ? `Update ${initial.email}` : "Add or update a user"}
        </h2>
        {editing && (
          <Link href="/admin/users" className="text-xs text-sky-700 underline hover:no-underline dark:text-sky-400">
            Add someone else instead
          </Link>
        )}
      </div>
      <p className="text-xs text-zinc-500">An existing email is updated: its role and accounts are replaced by these. Without a password the user signs in through single sign-on.</p>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="flex min-w-0 flex-col gap-1">
          <span className="text-xs font-medium">Email</span>
          <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} readOnly={editing} className={`${inputClass} ${editing ? "bg-zinc-100 dark:bg-zinc-800" : ""}`} />
        </label>
        <label className="flex min-w-0 flex-col gap-1">
          <span className="text-xs font-medium">
            Name <span className="font-normal text-zinc-500">(optional)</span>
          </span>
          <input type="text" autoComplete="off" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className={inputClass} />
        </label>
        <label className="flex min-w-0 flex-col gap-1">
          <span className="text-xs font-medium">Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} className={inputClass}>
            {ROLE_OPTIONS.map((r) => (
              <option key={r} value={r}>
                {ROLE_WORDS[r]}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-0 flex-col gap-1">
          <span className="text-xs font-medium">
            Password <span className="font-normal text-zinc-500">(optional, at least {MIN_PASSWORD} characters)</span>
          </span>
          <input type="password" autoComplete="new-password" minLength={MIN_PASSWORD} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} className={inputClass} />
        </label>
        <label className="flex min-w-0 flex-col gap-1 sm:col-span-2">
          <span className="text-xs font-medium">AWS accounts</span>
          <input
            type="text"
            inputMode="numeric"
            autoComplete="off"
            placeholder="every account"
            aria-describedby="user-accounts-hint"
            value={accounts}
            onChange={(e) => setAccounts(e.target.value)}
            className={`${inputClass} font-mono`}
          />
          <span id="user-accounts-hint" className="text-xs text-zinc-500">
            12-digit account IDs, separated by commas. Empty: every account. A scoped user sees no event of any other account anywhere.
          </span>
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={busy} className={primaryButtonClass}>
          {busy ? "Saving…" : editing ? "Update user" : "Save user"}
        </button>
        {error && (
          <p role="alert" className={errorTextClass}>
            {error}
          </p>
        )}
        {done && (
          <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            {done}
          </p>
        )}
      </div>
    </form>
  );
}

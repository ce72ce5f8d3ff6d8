// /admin/users: every user with role, account scope and state. "Edit" fills the form below with
// the user (a plain link: ?edit=<id>); disable/enable call PATCH /api/users/<id>. An admin cannot
// disable itself (the API refuses it too), so its own row offers no such button.
import Link from "next/link";
import type { UserView } from "../../lib/auth/users";
import { ApiActionButton } from "./ApiActionButton";
import { scopeText, utcTime } from "./format";
import { rowClass, tdClass, theadClass, thClass } from "./styles";

export function UsersTable({ users, selfId }: { users: UserView[]; selfId: string }) {
  return (
    <table className="w-full min-w-[44rem] border-collapse text-left text-xs">
      <caption className="sr-only">Users with their role, account scope, state and creation time</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>Email</th>
          <th scope="col" className={thClass}>Name</th>
          <th scope="col" className={thClass}>Role</th>
          <th scope="col" className={thClass}>Accounts</th>
          <th scope="col" className={thClass}>State</th>
          <th scope="col" className={thClass}>Created</th>
          <th scope="col" className={thClass}><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr key={u.id} className={`${rowClass} ${u.disabled ? "text-zinc-500" : ""}`} data-testid="user-row">
            <th scope="row" className={`${tdClass} break-words font-normal`}>
              {u.email}
              {u.id === selfId && <span className="ml-1 text-zinc-500">(you)</span>}
            </th>
            <td className={`${tdClass} break-words`}>{u.name && u.name !== u.email ? u.name : ""}</td>
            <td className={tdClass}>{u.role ?? <span className="text-red-700 dark:text-red-400">none</span>}</td>
            <td className={`${tdClass} font-mono`}>{u.accounts ? scopeText(u.accounts) : <span className="font-sans text-zinc-500">all accounts</span>}</td>
            <td className={tdClass}>
              {u.disabled ? (
                <span className="rounded-full bg-red-100 px-2 py-0.5 text-red-900 dark:bg-red-950 dark:text-red-200">disabled</span>
              ) : (
                <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">active</span>
              )}
            </td>
            <td className={`${tdClass} whitespace-nowrap font-mono`}>{utcTime(u.createdAt)}</td>
            <td className={`${tdClass} whitespace-nowrap`}>
              <span className="flex flex-wrap items-center gap-2">
                <Link href={`/admin/users?edit=${encodeURIComponent(u.id)}#user-form`} className="text-sky-700 underline hover:no-underline dark:text-sky-400" aria-label={`Edit ${u.email}`}>
                  Edit
                </Link>
                {u.id !== selfId &&
                  (u.disabled ? (
                    <ApiActionButton label="Enable" method="PATCH" url={`/api/users/${encodeURIComponent(u.id)}`} body={{ disabled: false }} title={`Let ${u.email} sign in again`} />
                  ) : (
                    <ApiActionButton
                      label="Disable"
                      danger
                      method="PATCH"
                      url={`/api/users/${encodeURIComponent(u.id)}`}
                      body={{ disabled: true }}
                      confirm={`Disable ${u.email}? Their sessions end at once, and their API tokens and share links stop working until they are enabled again.`}
                      title={`Sign ${u.email} out everywhere and refuse their tokens and share links`}
                    />
                  ))}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

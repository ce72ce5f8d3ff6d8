// /admin/users: who may use the console, with which role and which AWS accounts (admin only).
import { UserForm } from "../../../components/access/UserForm";
import { UsersTable } from "../../../components/access/UsersTable";
import { pageAccess } from "../../../lib/auth/guard";
import { listUsers } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

export const metadata = { title: "Users · Trailscope" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { access, db } = await pageAccess("admin", "/admin/users");
  const users = await listUsers(db);
  const editId = (await searchParams).edit;
  const editing = typeof editId === "string" ? users.find((u) => u.id === editId) : undefined;
  return (
    <div className="space-y-4 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-base font-semibold">Users</h1>
        <p className="text-xs text-zinc-500">
          {users.length} user{users.length === 1 ? "" : "s"}. Changes are recorded in the audit trail.
        </p>
      </div>
      <div className="overflow-x-auto">
        <UsersTable users={users} selfId={access.userId} />
      </div>
      <UserForm
        key={editing?.id ?? "new"}
        initial={editing ? { email: editing.email, name: editing.name === editing.email ? "" : editing.name, role: editing.role ?? "auditor", accounts: editing.accounts } : undefined}
      />
    </div>
  );
}

// /account: the user's API tokens. Only a hash of each is kept, so a token is named by its name
// and first characters; revoking one refuses it from the next request on.
import type { TokenView } from "../../lib/auth/users";
import { ApiActionButton } from "./ApiActionButton";
import { utcTime } from "./format";
import { rowClass, tdClass, theadClass, thClass } from "./styles";

export function TokensTable({ tokens }: { tokens: TokenView[] }) {
  if (tokens.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No API tokens yet.</p>;
  return (
    <table className="w-full min-w-[36rem] max-w-3xl border-collapse text-left text-xs">
      <caption className="sr-only">Your API tokens</caption>
      <thead className={theadClass}>
        <tr>
          <th scope="col" className={thClass}>Name</th>
          <th scope="col" className={thClass}>Starts with</th>
          <th scope="col" className={thClass}>Created</th>
          <th scope="col" className={thClass}>Last used</th>
          <th scope="col" className={thClass}><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((t) => (
          <tr key={t.id} className={rowClass} data-testid="token-row">
            <th scope="row" className={`${tdClass} break-all font-normal`}>{t.name ?? <span className="text-zinc-500">unnamed</span>}</th>
            <td className={`${tdClass} font-mono`}>{t.start ? `${t.start}…` : "—"}</td>
            <td className={`${tdClass} whitespace-nowrap font-mono`}>{utcTime(t.createdAt)}</td>
            <td className={`${tdClass} whitespace-nowrap font-mono`}>{t.lastUsedAt ? utcTime(t.lastUsedAt) : <span className="font-sans text-zinc-500">never</span>}</td>
            <td className={`${tdClass} whitespace-nowrap`}>
              <ApiActionButton
                label="Revoke"
                danger
                method="DELETE"
                url={`/api/tokens/${encodeURIComponent(t.id)}`}
                confirm={`Revoke the token ${t.name ? `"${t.name}"` : t.start ? `${t.start}…` : ""}? Scripts using it stop working at once.`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

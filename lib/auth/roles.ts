// Roles and what each may do. One table, read by the guard (lib/auth/guard.ts) for every route.
export const ROLES = ["admin", "analyst", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs:
 * - read: events, facets, histogram, detail, sync status (every role, and share links);
 * - export: CSV/NDJSON downloads (every role, and share links — of their own set only);
 * - share: create share links and saved views (analyst, admin);
 * - upload: sync log files uploaded in the console into the store (analyst, admin; auditors only
 *   read what is there);
 * - admin: users, roles, scopes, sources, settings, the audit trail.
 */
export type Capability = "read" | "export" | "share" | "upload" | "admin";

const GRANTS: Record<Role, readonly Capability[]> = {
  admin: ["read", "export", "share", "upload", "admin"],
  analyst: ["read", "export", "share", "upload"],
  auditor: ["read", "export"],
};

export function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

export function roleCan(role: Role, need: Capability): boolean {
  return GRANTS[role].includes(need);
}

/** AWS account IDs are 12 digits; a scope is a set of them. */
export const ACCOUNT_ID = /^\d{12}$/;

/** "111111111111,222222222222" (as stored) → sorted unique IDs; null/empty: every account. */
export function parseScope(stored: string | null | undefined): string[] | null {
  if (stored === null || stored === undefined || stored.trim() === "") return null;
  const ids = [...new Set(stored.split(/[\s,]+/).filter(Boolean))].sort();
  for (const id of ids) if (!ACCOUNT_ID.test(id)) throw new Error(`account scope: "${id}" is not a 12-digit AWS account ID`);
  return ids;
}

export function formatScope(ids: string[] | null): string | null {
  return ids && ids.length ? [...new Set(ids)].sort().join(",") : null;
}

/** Accounts both scopes allow (null: every account). An empty list allows none. */
export function intersectScopes(a: string[] | null, b: string[] | null): string[] | null {
  if (!a) return b;
  if (!b) return a;
  const keep = new Set(b);
  return a.filter((id) => keep.has(id));
}

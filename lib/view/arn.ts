// ARNs as labels a person tells apart in a narrow facet or cell. Two ARNs of a trail usually share
// everything up to their last segments (arn:aws:sts::111122223333:assumed-role/…), so cutting them
// in the middle or at the end hides the very part that differs: for an assumed role, the role
// and the session; for an IAM user, the name. The account is shown only where the same label
// stands for ARNs of several accounts. The full ARN is always the title (components/ui/ArnText).

export interface ArnLabel {
  /** The role, user, or resource: the part that tells it apart. */
  lead: string;
  /** What follows it after a slash, shown after it (a role's session name). */
  tail: string | null;
  /** The account ID, when other ARNs with the same label belong to other accounts. */
  account: string | null;
  /** The value as given. */
  full: string;
}

const ARN = /^arn:([^:]+):([^:]*):([^:]*):([^:]*):(.+)$/;

/** IAM Identity Center's roles: AWSReservedSSO_<permission set>_<16 hex>. */
const SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;

const lastSegment = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** The role name as read: an Identity Center role by its permission set. */
export function roleName(name: string): string {
  const sso = SSO_ROLE.exec(name);
  return sso ? `SSO:${sso[1]}` : name;
}

interface Parsed {
  account: string;
  lead: string;
  tail: string | null;
  /** The whole resource part: what tells two ARNs apart when their short labels agree. */
  resource: string;
}

function parse(value: string): Parsed | null {
  const m = ARN.exec(value);
  if (!m) return null;
  const [, , service, , account, resource] = m;
  const slash = resource.split("/");
  if (service === "sts" && slash[0] === "assumed-role" && slash.length >= 3) {
    // assumed-role/<role>/<session>: a session name may itself hold no slash, a role path none.
    return { account, lead: roleName(slash[1]), tail: slash.slice(2).join("/"), resource };
  }
  if (service === "sts" && slash[0] === "federated-user" && slash.length >= 2) return { account, lead: "federated-user", tail: slash.slice(1).join("/"), resource };
  if (service === "iam" && slash[0] === "user" && slash.length >= 2) return { account, lead: lastSegment(resource), tail: null, resource };
  if (service === "iam" && slash[0] === "role" && slash.length >= 2) return { account, lead: `role/${roleName(lastSegment(resource))}`, tail: null, resource };
  if (service === "iam" && resource === "root") return { account, lead: "root", tail: null, resource };
  return { account, lead: resource, tail: null, resource };
}

/** One value's label, without looking at others (no account). Not an ARN: the value itself. */
export function arnLabel(value: string): ArnLabel {
  const p = parse(value);
  return p ? { lead: p.lead, tail: p.tail, account: null, full: value } : { lead: value, tail: null, account: null, full: value };
}

const textOf = (l: Pick<ArnLabel, "lead" | "tail">) => (l.tail === null ? l.lead : `${l.lead}/${l.tail}`);

/**
 * Labels for values shown together (a facet's values, a column's cells), each distinct from the
 * others: where two ARNs would read the same, the account is added when they differ in it, and
 * the whole resource path is shown when even that does not tell them apart.
 */
export function arnLabels(values: Iterable<string>): Map<string, ArnLabel> {
  const parsed = new Map<string, Parsed | null>();
  for (const v of values) if (!parsed.has(v)) parsed.set(v, parse(v));
  const groups = new Map<string, string[]>();
  for (const [v, p] of parsed) {
    const key = p ? textOf(p) : v;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const out = new Map<string, ArnLabel>();
  for (const same of groups.values()) {
    const ps = same.map((v) => parsed.get(v) ?? null);
    const accounts = new Set(ps.map((p) => p?.account ?? ""));
    for (const [i, v] of same.entries()) {
      const p = ps[i];
      if (!p) {
        out.set(v, { lead: v, tail: null, account: null, full: v });
        continue;
      }
      const account = same.length > 1 && accounts.size > 1 ? p.account || null : null;
      // Same label and account (a user path, another partition): the resource as written.
      const clash = same.length > 1 && ps.filter((o) => o && o.account === p.account).length > 1;
      out.set(v, clash ? { lead: p.resource, tail: null, account, full: v } : { lead: p.lead, tail: p.tail, account, full: v });
    }
  }
  return out;
}

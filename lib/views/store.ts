// Saved views (table saved_views): a named timeline query string, personal or shared with every
// signed-in user, optionally a detection (severity, MITRE ATT&CK technique). Its link /views/<id>
// opens whatever the view says now, so renaming or editing never breaks a link. Who may do what:
// - create: the `share` capability (analysts, admins);
// - see: the owner; everyone signed in when shared; admins all of them (to manage them);
// - edit, delete: the owner or an admin (with `share`).
// Every change is in the audit trail (view-create, view-update, view-delete).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Access } from "../auth/access";
import { audit } from "../auth/audit";
import { PAGING_PARAMS, ParamError, parseEventQuery } from "../query/params";
import type { Db } from "../store/db";
import { parseViewParams } from "../view/viewParams";
import { SEVERITIES, type Severity } from "../detections/types";

export interface SavedView {
  id: string;
  name: string;
  description: string | null;
  /** The timeline's query string (filters, range, sort, columns…), without paging or open event. */
  query: string;
  ownerId: string;
  ownerEmail: string | null;
  shared: boolean;
  detection: boolean;
  severity: Severity | null;
  technique: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The parameter that says which saved view the timeline shows (presentation only). */
export const VIEW_PARAM = "view";
export const MAX_VIEW_QUERY = 16_000;
/** MITRE ATT&CK technique ids: T1234 or a sub-technique T1234.001. */
export const TECHNIQUE = /^T\d{4}(?:\.\d{3})?$/;

const Fields = {
  name: z.string().trim().min(1, "must not be empty").max(120, "at most 120 characters"),
  description: z.string().trim().max(2000, "at most 2000 characters").nullable(),
  query: z.string().max(MAX_VIEW_QUERY, `at most ${MAX_VIEW_QUERY} characters`),
  shared: z.boolean(),
  detection: z.boolean(),
  severity: z.enum(SEVERITIES).nullable(),
  technique: z.union([z.literal(""), z.string().trim().regex(TECHNIQUE, "must be a MITRE ATT&CK technique id such as T1098 or T1562.008")]).nullable(),
};

export const CreateViewBody = z.strictObject({
  name: Fields.name,
  description: Fields.description.optional(),
  query: Fields.query,
  shared: Fields.shared.default(false),
  detection: Fields.detection.default(false),
  severity: Fields.severity.optional(),
  technique: Fields.technique.optional(),
});
export const UpdateViewBody = z.strictObject({
  name: Fields.name.optional(),
  description: Fields.description.optional(),
  query: Fields.query.optional(),
  shared: Fields.shared.optional(),
  detection: Fields.detection.optional(),
  severity: Fields.severity.optional(),
  technique: Fields.technique.optional(),
});
export type CreateViewInput = z.input<typeof CreateViewBody>;
export type UpdateViewInput = z.input<typeof UpdateViewBody>;

/** A zod failure as the contract's 400: the first problem, naming its field. */
export function bodyError(err: z.ZodError): ParamError {
  const issue = err.issues[0];
  const field = issue?.path.join(".") || "body";
  if (issue?.code === "unrecognized_keys") return new ParamError(issue.keys.join(", "), "unknown field");
  if (issue?.code === "invalid_type" && issue.path.length === 0) return new ParamError("body", "send a JSON object");
  return new ParamError(field, issue?.message ?? "invalid");
}

/**
 * A view's query as stored: the parameters the timeline would run (validated by the same parser,
 * so a bad one is a 400 naming the parameter), without paging, the open event or the view marker.
 */
export function normalizeViewQuery(raw: string): string {
  const sp = new URLSearchParams(raw.trim().replace(/^\?/, ""));
  for (const k of [...PAGING_PARAMS, "event", VIEW_PARAM]) sp.delete(k);
  parseEventQuery(sp);
  parseViewParams(sp);
  return sp.toString();
}

interface Row {
  id: string;
  name: string;
  description: string | null;
  query: string;
  ownerId: string;
  shared: boolean;
  detection: boolean;
  severity: string | null;
  technique: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const severityOf = (s: string | null): Severity | null => ((SEVERITIES as readonly string[]).includes(s ?? "") ? (s as Severity) : null);

async function withOwners(db: Db, rows: Row[]): Promise<SavedView[]> {
  const users = await db.prisma.user.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.ownerId))] } }, select: { id: true, email: true } });
  const email = new Map(users.map((u) => [u.id, u.email]));
  return rows.map((r) => ({ ...r, severity: severityOf(r.severity), ownerEmail: email.get(r.ownerId) ?? null }));
}

/** Saved views are for people: a share link's holder has none (and sees none). */
function member(access: Access): boolean {
  return !access.share && access.role !== null;
}

/** The filter of views this principal may see (an admin: all, unless `ownOrShared`). */
function visibleWhere(access: Access, ownOrShared = false) {
  if (!member(access)) return { id: { in: [] as string[] } };
  if (access.role === "admin" && !ownOrShared) return {};
  return { OR: [{ ownerId: access.userId }, { shared: true }] };
}

/**
 * The views a principal may see, by name. `detectionsOnly`: those marked as detections, and only
 * the principal's own and shared ones (an admin manages everyone's views on /views, but another
 * user's personal detection is not the admin's detection).
 */
export async function listViews(db: Db, access: Access, opts: { detectionsOnly?: boolean } = {}): Promise<SavedView[]> {
  const rows = await db.prisma.savedView.findMany({
    where: { AND: [visibleWhere(access, opts.detectionsOnly), opts.detectionsOnly ? { detection: true } : {}] },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: 1000,
  });
  return withOwners(db, rows);
}

export async function getView(db: Db, access: Access | null, id: string): Promise<SavedView | null> {
  const row = await db.prisma.savedView.findFirst({ where: access ? { AND: [{ id }, visibleWhere(access)] } : { id } });
  return row ? (await withOwners(db, [row]))[0] : null;
}

const actor = (access: Access) => ({ actorKind: access.kind === "token" ? ("token" as const) : ("user" as const), actorId: access.userId, actorName: access.name, ip: access.ip });

/** Detection fields made consistent: a detection has a severity (medium unless said). */
function detectionFields(detection: boolean, severity: Severity | null | undefined, technique: string | null | undefined) {
  return {
    severity: detection ? (severity ?? "medium") : (severity ?? null),
    technique: technique ? technique : null,
  };
}

export async function createView(db: Db, access: Access, body: unknown): Promise<SavedView> {
  const parsed = CreateViewBody.safeParse(body);
  if (!parsed.success) throw bodyError(parsed.error);
  const v = parsed.data;
  const query = normalizeViewQuery(v.query);
  const id = randomBytes(9).toString("base64url");
  const row = await db.prisma.savedView.create({
    data: {
      id,
      name: v.name,
      description: v.description || null,
      query,
      ownerId: access.userId,
      shared: v.shared,
      detection: v.detection,
      ...detectionFields(v.detection, v.severity, v.technique),
    },
  });
  await audit(db, { ...actor(access), action: "view-create", target: id, detail: { name: row.name, query, shared: row.shared, detection: row.detection } });
  return (await withOwners(db, [row]))[0];
}

/** Why a change was refused: no such view for this principal (404), or not theirs to change (403). */
export class ViewAccessError extends Error {
  constructor(
    readonly status: 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

async function ownedView(db: Db, access: Access, id: string): Promise<SavedView> {
  const v = await getView(db, access, id);
  if (!v) throw new ViewAccessError(404, "no such saved view");
  if (v.ownerId !== access.userId && access.role !== "admin") throw new ViewAccessError(403, "only the view's owner or an admin may change it");
  return v;
}

export async function updateView(db: Db, access: Access, id: string, body: unknown): Promise<SavedView> {
  const parsed = UpdateViewBody.safeParse(body);
  if (!parsed.success) throw bodyError(parsed.error);
  const before = await ownedView(db, access, id);
  const v = parsed.data;
  const query = v.query === undefined ? undefined : normalizeViewQuery(v.query);
  const detection = v.detection ?? before.detection;
  const det = detectionFields(detection, v.severity === undefined ? before.severity : v.severity, v.technique === undefined ? before.technique : v.technique);
  const row = await db.prisma.savedView.update({
    where: { id },
    data: {
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.description !== undefined ? { description: v.description || null } : {}),
      ...(query !== undefined ? { query } : {}),
      ...(v.shared !== undefined ? { shared: v.shared } : {}),
      detection,
      ...det,
    },
  });
  const changed = Object.fromEntries(
    (["name", "description", "query", "shared", "detection", "severity", "technique"] as const)
      .filter((k) => row[k] !== before[k])
      .map((k) => [k, { from: before[k], to: row[k] }]),
  );
  await audit(db, { ...actor(access), action: "view-update", target: id, detail: changed });
  return (await withOwners(db, [row]))[0];
}

export async function deleteView(db: Db, access: Access, id: string): Promise<void> {
  const before = await ownedView(db, access, id);
  await db.prisma.savedView.delete({ where: { id } });
  await audit(db, { ...actor(access), action: "view-delete", target: id, detail: { name: before.name, query: before.query } });
}

/** The view as the API answers it. */
export function viewJson(v: SavedView, access: Access) {
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    query: v.query,
    url: `/views/${v.id}`,
    owner: v.ownerEmail,
    mine: v.ownerId === access.userId,
    canEdit: v.ownerId === access.userId || access.role === "admin",
    shared: v.shared,
    detection: v.detection,
    severity: v.severity,
    technique: v.technique,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

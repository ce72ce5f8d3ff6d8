// The credentials chain of one event, hop by hop: the session's key → the event that issued it →
// that call's own session key → … → the origin. Every issuing event is read through the same
// access check as the detail page (lib/query/visible.ts): a hop the viewer may not see ends the
// chain as "hidden", and nothing past it (not even the origin) is shown.
import type pg from "pg";
import type { Access } from "../auth/access";
import { visibleEvent } from "../query/visible";
import type { ApiEvent } from "../query/events";
import type { ChainHop, CredentialChain } from "./chain-types";
import { MAX_CHAIN } from "./link";
import { SESSION_TYPES, text } from "./origin";

interface SessionRow {
  access_key_id: string;
  event_id: string;
  session_arn: string | null;
  source_identity: string | null;
  parent_key: string | null;
}


/** The chain of a visible event (`event`: its catalog columns, as visibleEvent returns them). */
export async function credentialChain(db: pg.Pool, access: Access, event: ApiEvent): Promise<CredentialChain> {
  const type = text(event.identityType);
  const key = text(event.accessKeyId);
  const actor = text(event.actor);
  if (!type || !SESSION_TYPES.has(type) || !key) return { status: actor ? "self" : "none", actor, hops: [] };

  const { rows } = await db.query<SessionRow & { depth: number }>(
    `WITH RECURSIVE hop(depth, access_key_id, event_id, session_arn, source_identity, parent_key) AS (
       SELECT 1, access_key_id, event_id, session_arn, source_identity, parent_key FROM credential_sessions WHERE access_key_id = $1
       UNION ALL
       SELECT h.depth + 1, s.access_key_id, s.event_id, s.session_arn, s.source_identity, s.parent_key
         FROM hop h JOIN credential_sessions s ON s.access_key_id = h.parent_key
        WHERE h.depth < ${MAX_CHAIN}
     )
     SELECT * FROM hop ORDER BY depth`,
    [key],
  );

  const hops: ChainHop[] = [];
  let expected: string | null = key;
  for (const row of rows) {
    if (row.access_key_id !== expected) break; // a loop cut by MAX_CHAIN
    const issuer = await visibleEvent(db, access, row.event_id);
    const hop: ChainHop = { key: row.access_key_id, sessionArn: row.session_arn, sourceIdentity: row.source_identity, issuedBy: null };
    hops.push(hop);
    if (!issuer) return { status: "hidden", actor: null, hops };
    hop.issuedBy = {
      eventId: row.event_id,
      eventName: text(issuer.eventName),
      eventTime: String(issuer.eventTime),
      accountId: text(issuer.accountId),
      callerType: text(issuer.identityType),
      callerArn: text(issuer.principalArn),
      callerKey: text(issuer.accessKeyId),
    };
    expected = row.parent_key;
    if (!expected) return { status: actor ? "complete" : "missing", actor, hops };
  }
  return { status: "missing", actor: null, hops, missingKey: expected ?? key };
}

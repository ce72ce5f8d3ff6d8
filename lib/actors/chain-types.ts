// The credentials chain of one event as the detail view shows it (lib/actors/chain.ts builds it).

export interface ChainHop {
  /** The access key this hop explains (the session's credentials). */
  key: string;
  /** The session those credentials are for (assumed-role or federated-user ARN). */
  sessionArn: string | null;
  sourceIdentity: string | null;
  /** The event that issued them; null when the viewer may not see it (another account, outside a shared view). */
  issuedBy: {
    eventId: string;
    eventName: string | null;
    eventTime: string;
    accountId: string | null;
    /** Who made that call: its identity type, principal and (when a session) key. */
    callerType: string | null;
    callerArn: string | null;
    callerKey: string | null;
  } | null;
}

export interface CredentialChain {
  /**
   * self: the event's identity is its own origin (an IAM user, root, a SAML/web-identity subject, a
   * service); complete: followed to the origin; missing: the event that issued a link's credentials
   * is not stored; hidden: the chain continues where the viewer may not look; none: the record
   * names no identity to follow.
   */
  status: "self" | "complete" | "missing" | "hidden" | "none";
  /** The origin identity (events.actor), when known and visible. */
  actor: string | null;
  /** From the event's own session up to the origin's call. */
  hops: ChainHop[];
  /** status "missing": the key whose issuing event is not stored. */
  missingKey?: string;
}

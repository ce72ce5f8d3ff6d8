// What the event detail renders; built on the server (app/events/_data/detail.ts), rendered by the
// detail page and by the timeline's side panel.
import type { ApiEvent } from "../../lib/query/events";
import type { RelatedGroup } from "../../lib/query/related";
import type { CredentialChain } from "../../lib/actors/chain-types";

export interface EventDetailData {
  id: string;
  /** The record as stored (exact original text where jsonb could not hold it). */
  json: string;
  /** The catalog's columns for the event, as the table and the API show them. */
  event: ApiEvent | null;
  related: RelatedGroup[];
  /** The log file the event was stored from and its integrity verdict; null: none (LookupEvents). */
  /** Who is behind the event's credentials, hop by hop (absent: not loaded). */
  chain?: CredentialChain | null;
  logFile?: { key: string; outcome: string | null; detail: string | null; verifiedAt: string | null } | null;
}

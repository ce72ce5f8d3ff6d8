// Events related to one event, for its detail view: the same request or shared event (one API call
// seen by several accounts or services), and the same access key or session around its time.
// Each group is an ordinary timeline query (lib/view/related.ts → parseEventQuery → listEvents),
// so its "open in timeline" link shows exactly the rows listed here, and more.
import type pg from "pg";
import { mergeRelatedPages, relatedPageQueries, relatedQueries, type RelatedQuery, type RelatedSubject } from "../view/related";
import { listEvents, type ApiEvent } from "./events";
import { parseEventQuery } from "./params";
import { constrain, type Access } from "../auth/access";

export interface RelatedGroup extends RelatedQuery {
  events: ApiEvent[];
  /** More than `events.length` match. */
  more: boolean;
}

export async function relatedEvents(db: pg.Pool, e: RelatedSubject, access: Access): Promise<RelatedGroup[]> {
  return Promise.all(
    relatedQueries(e).map(async (g) => {
      const pages = await Promise.all(
        relatedPageQueries(g, e).map(({ params, limit }) => {
          const q = constrain(parseEventQuery(params), access);
          q.limit = limit;
          return listEvents(db, q);
        }),
      );
      return { ...g, ...mergeRelatedPages(pages) };
    }),
  );
}

// CloudWatch Logs' GetLogEvents reads forward only (Loam's backward tokens return nothing), so "load earlier" asks
// for the newest events at or before the oldest one shown (endTime is inclusive) and drops those already shown.
// Exact because an endpoint's lines are stamped in whole milliseconds (Date.now()), so an event's timestamp is the
// time endTime is compared with.

/** An event as GetLogEvents returns it. */
export interface LogEventLike {
  readonly timestamp: number;
  readonly message: string;
}

/** Events per page the endpoint Logs panel shows first and adds with each "load earlier". */
export const LOG_PAGE = 200;
/** GetLogEvents' largest `limit`. */
const MAX_LIMIT = 10_000;

/**
 * The GetLogEvents request for the page before `shown` (oldest first): its `endTime` is the oldest shown event's
 * time, and its `limit` counts the shown events of that same millisecond, which come back too; undefined when
 * more than a request can hold share that millisecond.
 */
export function earlierRequest(shown: readonly LogEventLike[], page = LOG_PAGE): { endTime: number; limit: number; overlap: number } | undefined {
  const oldest = shown[0];
  if (!oldest) return undefined;
  let overlap = 0;
  while (overlap < shown.length && shown[overlap]!.timestamp === oldest.timestamp) overlap++;
  const limit = page + overlap;
  return limit > MAX_LIMIT ? undefined : { endTime: oldest.timestamp, limit, overlap };
}

/**
 * The events of an earlier page not already shown: a stream's events are in the order written, so the shown ones of
 * the boundary millisecond are the last `overlap` of the page. `more` says whether older events may remain (the
 * page was full).
 */
export function earlierEvents<E extends LogEventLike>(events: readonly E[], req: { endTime: number; limit: number; overlap: number }): { events: E[]; more: boolean } {
  let drop = 0;
  while (drop < req.overlap && drop < events.length && events[events.length - 1 - drop]!.timestamp === req.endTime) drop++;
  return { events: events.slice(0, events.length - drop), more: events.length >= req.limit };
}

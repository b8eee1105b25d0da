// The endpoint Logs panel keeps a stream's lines as chunks, each one GetLogEvents page with the nextBackwardToken
// that reads the page before it. "Load earlier" reads the page before the oldest chunk kept (one page a click); the
// lines followed forward are capped by dropping whole chunks from the oldest end, so the oldest chunk kept still
// knows the page before it and "Load earlier" goes on from there without a gap.

/** An event as GetLogEvents returns it. */
export interface LogEventLike {
  readonly timestamp: number;
  readonly message: string;
}

/** One GetLogEvents page kept: its events, oldest first, and the token that reads the page before it. */
export interface Chunk<E extends LogEventLike = LogEventLike> {
  readonly events: readonly E[];
  readonly backToken: string;
}

/** Events per page the endpoint Logs panel shows first and adds with each "load earlier". */
export const LOG_PAGE = 200;
/** Events per forward read while following (so that a dropped chunk is at most this many lines). */
export const FOLLOW_PAGE = 1000;
/** Lines the followed panel keeps: past this, the oldest chunks are dropped from view. */
export const KEEP_LINES = 5000;

export const lineCount = (chunks: readonly Chunk[]) => chunks.reduce((n, c) => n + c.events.length, 0);

/**
 * `chunks` with `chunk` added at the newest end, then the oldest chunks dropped while more than `cap` lines remain
 * (the newest chunk always stays). `dropped` counts the lines dropped.
 */
export function appendCapped<E extends LogEventLike>(chunks: readonly Chunk<E>[], chunk: Chunk<E>, cap = KEEP_LINES): { chunks: Chunk<E>[]; dropped: number } {
  const out = chunk.events.length === 0 ? [...chunks] : [...chunks, chunk];
  let total = lineCount(out);
  let dropped = 0;
  while (out.length > 1 && total > cap) {
    const n = out.shift()!.events.length;
    total -= n;
    dropped += n;
  }
  return { chunks: out, dropped };
}

/**
 * Whether a page read backward with `token` says earlier events may remain: it was full, and its nextBackwardToken
 * is not the one passed in (CloudWatch Logs hands the same token back at the start of the stream).
 */
export function moreBefore(token: string | undefined, page: { events: readonly unknown[]; nextBackwardToken?: string | undefined }, limit = LOG_PAGE): boolean {
  return page.nextBackwardToken !== undefined && page.nextBackwardToken !== token && page.events.length >= limit;
}

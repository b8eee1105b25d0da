import type { EntityPosition } from '../../ports/experiment-store.js';
import type { KeysetPageStart } from '../keyset-page-token.js';

/** A page of what the caller may see (fillVisiblePage): the items, and the row a NextToken starts after when more follow. */
export interface VisiblePage<R, S> {
  readonly items: S[];
  /** The row of the last item: the next page starts after it. Set only when a visible item follows, or the read cap ended the page. */
  readonly next?: R;
}

/** The fewest rows one page reads before it may stop short (visiblePageReadCap). */
export const VISIBLE_PAGE_MIN_READ_CAP = 1000;

/**
 * How many rows one page reads, visible or not, before it stops short of `limit` items: 10 × the page size, and at
 * least VISIBLE_PAGE_MIN_READ_CAP, so a caller who may see few rows of a long listing does not make one request
 * read all of it.
 */
export function visiblePageReadCap(limit: number): number {
  return Math.max(VISIBLE_PAGE_MIN_READ_CAP, 10 * limit);
}

/**
 * Up to `limit` items the caller may see, read from a keyset listing batch after batch until the page is
 * full or the listing ends. Dropping hidden rows from one read batch left short or empty pages that still
 * carried a NextToken, which told the caller something they may not see was there; here a page is short
 * only when it is the last, and `next` is set only when a visible item follows (found by reading on).
 * `show` answers each row's item, undefined for one the caller may not see.
 *
 * Bounded: once `cap` rows (visiblePageReadCap) are read and the page holds an item, the page ends there, short,
 * with `next` its last item (the next page reads the rows after it again). A page holding no item yet reads on
 * to the first visible item or the end: its `next` would otherwise be a row the caller may not see, and the
 * NextToken holding its position (name, times) would show it. So a page is empty only when it is the last, and
 * a page ended by the cap may be followed by an empty last page.
 */
export async function fillVisiblePage<R, S, P = EntityPosition>(
  start: KeysetPageStart<P>, limit: number,
  read: (start: KeysetPageStart<P>, limit: number) => Promise<R[]>,
  show: (rows: R[]) => Promise<(S | undefined)[]>,
  position: (row: R) => P,
  cap = visiblePageReadCap(limit),
): Promise<VisiblePage<R, S>> {
  const items: S[] = [];
  let last: R | undefined;
  let from = start;
  const batch = limit + 1;
  let readRows = 0;
  for (;;) {
    const rows = await read(from, batch);
    readRows += rows.length;
    const shown = await show(rows);
    for (let k = 0; k < rows.length; k++) {
      const item = shown[k];
      if (item === undefined) continue;
      if (items.length === limit) return { items, ...(last === undefined ? {} : { next: last }) };
      items.push(item);
      last = rows[k];
    }
    const end = rows[rows.length - 1];
    if (rows.length < batch || end === undefined) return { items };
    if (readRows >= cap && last !== undefined) return { items, next: last };
    from = { after: position(end), offset: 0 };
  }
}

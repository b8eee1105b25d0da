import type { EntityPosition } from '../../ports/experiment-store.js';
import type { KeysetPageStart } from '../keyset-page-token.js';

/** A page of what the caller may see (fillVisiblePage): the items, and the row a NextToken starts after when more follow. */
export interface VisiblePage<R, S> {
  readonly items: S[];
  /** The row of the last item: the next page starts after it. Set only when a visible item follows. */
  readonly next?: R;
}

/**
 * Up to `limit` items the caller may see, read from a keyset listing batch after batch until the page is
 * full or the listing ends. Dropping hidden rows from one read batch left short or empty pages that still
 * carried a NextToken, which told the caller something they may not see was there; here a page is short
 * only when it is the last, and `next` is set only when a visible item follows (found by reading on).
 * `show` answers each row's item, undefined for one the caller may not see.
 */
export async function fillVisiblePage<R, S>(
  start: KeysetPageStart<EntityPosition>, limit: number,
  read: (start: KeysetPageStart<EntityPosition>, limit: number) => Promise<R[]>,
  show: (rows: R[]) => Promise<(S | undefined)[]>,
  position: (row: R) => EntityPosition,
): Promise<VisiblePage<R, S>> {
  const items: S[] = [];
  let last: R | undefined;
  let from = start;
  const batch = limit + 1;
  for (;;) {
    const rows = await read(from, batch);
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
    from = { after: position(end), offset: 0 };
  }
}

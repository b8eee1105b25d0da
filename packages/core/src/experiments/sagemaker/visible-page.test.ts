import { describe, expect, it } from 'vitest';
import type { EntityPosition } from '../../ports/experiment-store.js';
import type { KeysetPageStart } from '../keyset-page-token.js';
import { fillVisiblePage, visiblePageReadCap } from './visible-page.js';

// fillVisiblePage over an in-memory listing: rows named in order, `h…` hidden from the caller, `v…` seen.
function listing(names: readonly string[]) {
  let read = 0;
  const page = (start: KeysetPageStart<EntityPosition>, limit: number) => {
    const from = start.after === undefined ? start.offset : names.indexOf(start.after.name) + 1 + start.offset;
    const rows = names.slice(from, from + limit);
    read += rows.length;
    return Promise.resolve(rows);
  };
  const fill = (start: KeysetPageStart<EntityPosition>, limit: number, cap?: number) =>
    fillVisiblePage(start, limit, page, (rows) => Promise.resolve(rows.map((n) => (n.startsWith('v') ? n : undefined))), (n) => ({ name: n }), cap);
  return { fill, read: () => read };
}

/** Every page of the listing, `limit` at a time: each page's items and whether a token followed it. */
async function walk(names: readonly string[], limit: number, cap?: number) {
  const { fill } = listing(names);
  const pages: { items: string[]; token: boolean }[] = [];
  let start: KeysetPageStart<EntityPosition> = { offset: 0 };
  for (;;) {
    const p = await fill(start, limit, cap);
    pages.push({ items: p.items, token: p.next !== undefined });
    if (p.next === undefined) return pages;
    start = { after: { name: p.next }, offset: 0 };
  }
}

const hidden = (n: number, from = 0) => Array.from({ length: n }, (_, k) => `h${String(from + k).padStart(5, '0')}`);

describe('fillVisiblePage', () => {
  it('reads 10 pages, at least 1000 rows, before it stops short', () => {
    expect(visiblePageReadCap(1)).toBe(1000);
    expect(visiblePageReadCap(100)).toBe(1000);
    expect(visiblePageReadCap(500)).toBe(5000);
  });

  it('fills each page past hidden rows: no short page is followed by a token', async () => {
    const names = ['h0', 'v1', 'h2', 'h3', 'v4', 'v5', 'h6', 'v7', 'h8'];
    expect(await walk(names, 1)).toEqual([
      { items: ['v1'], token: true }, { items: ['v4'], token: true }, { items: ['v5'], token: true }, { items: ['v7'], token: false },
    ]);
    expect(await walk(names, 3)).toEqual([{ items: ['v1', 'v4', 'v5'], token: true }, { items: ['v7'], token: false }]);
  });

  it('stops once it read the cap and holds an item: the page is short, its token after its last item', async () => {
    const names = ['v0', ...hidden(30), 'v1', 'v2'];
    const { fill, read } = listing(names);
    const first = await fill({ offset: 0 }, 2, 10);
    expect(first).toEqual({ items: ['v0'], next: 'v0' });
    expect(read()).toBeLessThanOrEqual(12);
    // The next page holds nothing yet: it reads on past the cap to the next visible row, whose position alone a token may hold.
    expect(await fill({ after: { name: 'v0' }, offset: 0 }, 2, 10)).toEqual({ items: ['v1', 'v2'] });
  });

  it('a page ended by the cap may be followed by an empty last page; never an empty page with a token', async () => {
    const names = ['v0', ...hidden(2500)];
    const pages = await walk(names, 1);
    // The first page reads 1000 rows looking for a second visible one, and stops there with a token; the last reads the rest.
    expect(pages).toEqual([{ items: ['v0'], token: true }, { items: [], token: false }]);
    const capped = await walk(['v0', 'v1', ...hidden(50)], 2, 1);
    expect(capped.every((p) => p.items.length > 0 || !p.token)).toBe(true);
    expect(capped.flatMap((p) => p.items)).toEqual(['v0', 'v1']);
    const long = await walk([...hidden(1500), 'v0', ...hidden(1500, 1500), 'v1', ...hidden(1500, 3000)], 1);
    // Hidden names are unique: a repeated name sent the listing's keyset back to its first copy, and the walk never ended.
    expect(long).toEqual([{ items: ['v0'], token: true }, { items: ['v1'], token: true }, { items: [], token: false }]);
  });
});

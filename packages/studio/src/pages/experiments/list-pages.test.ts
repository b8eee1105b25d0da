import { describe, expect, it } from 'vitest';
import { firstPages, type ListPage } from './list-pages.js';

// A list of 7 items, 3 a page, tokens as a server gives them.
const list = (read: (string | undefined)[]) => async (token: string | undefined): Promise<ListPage<number>> => {
  read.push(token);
  const from = token === undefined ? 0 : Number(token);
  const items = [0, 1, 2, 3, 4, 5, 6].slice(from, from + 3);
  return { items, ...(from + 3 < 7 ? { next: String(from + 3) } : {}) };
};

describe('the first pages of a SageMaker list', () => {
  it('reads only the pages asked for, and says there are more', async () => {
    const read: (string | undefined)[] = [];
    expect(await firstPages(1, list(read))).toEqual({ items: [0, 1, 2], more: true });
    expect(read).toEqual([undefined]);
    const two: (string | undefined)[] = [];
    expect(await firstPages(2, list(two))).toEqual({ items: [0, 1, 2, 3, 4, 5], more: true });
    expect(two).toEqual([undefined, '3']);
  });

  it('stops at the last page', async () => {
    const read: (string | undefined)[] = [];
    expect(await firstPages(10, list(read))).toEqual({ items: [0, 1, 2, 3, 4, 5, 6], more: false });
    expect(read).toEqual([undefined, '3', '6']);
  });
});

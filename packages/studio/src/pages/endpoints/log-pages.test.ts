import { describe, expect, it } from 'vitest';
import { appendCapped, lineCount, moreBefore, type Chunk } from './log-pages.js';

const chunk = (from: number, n: number, backToken = `b/${from}`): Chunk => ({
  events: Array.from({ length: n }, (_, i) => ({ timestamp: from + i, message: `line ${from + i}` })),
  backToken,
});

describe('the followed lines kept in view', () => {
  it('drops the oldest whole pages past the cap, so the oldest kept still reads the page just before it', () => {
    let chunks: Chunk[] = [];
    let dropped = 0;
    for (let from = 0; from < 10; from += 3) {
      const next = appendCapped(chunks, chunk(from, 3), 7);
      chunks = next.chunks;
      dropped += next.dropped;
    }
    // 12 lines followed in pages of 3, at most 7 kept: the two oldest pages went, and the lines kept are the newest.
    expect(dropped).toBe(6);
    expect(lineCount(chunks)).toBe(6);
    expect(chunks.flatMap((c) => c.events.map((e) => e.timestamp))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(chunks[0]!.backToken).toBe('b/6');
  });

  it('keeps the newest page even when it alone is past the cap, and adds no empty page', () => {
    expect(appendCapped([chunk(0, 2)], chunk(2, 9), 5)).toEqual({ chunks: [chunk(2, 9)], dropped: 2 });
    expect(appendCapped([chunk(0, 2)], chunk(2, 0), 5)).toEqual({ chunks: [chunk(0, 2)], dropped: 0 });
  });
});

describe('whether earlier lines remain', () => {
  it('says so for a full page that moved the backward token, not at the start (the same token back) or after a short page', () => {
    const full = { events: new Array(3).fill(0) };
    expect(moreBefore('b/9', { ...full, nextBackwardToken: 'b/6' }, 3)).toBe(true);
    expect(moreBefore(undefined, { ...full, nextBackwardToken: 'b/6' }, 3)).toBe(true);
    expect(moreBefore('b/6', { ...full, nextBackwardToken: 'b/6' }, 3)).toBe(false);
    expect(moreBefore('b/9', { events: [0, 0], nextBackwardToken: 'b/' }, 3)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { earlierEvents, earlierRequest } from './log-pages.js';

const ev = (timestamp: number, message: string) => ({ timestamp, message });

/** A stream as the server holds it, and GetLogEvents' default read (the newest `limit` at or before endTime). */
const stream = [ev(1, 'a'), ev(2, 'b'), ev(2, 'c'), ev(2, 'd'), ev(3, 'e'), ev(3, 'f'), ev(4, 'g')];
const newest = (endTime: number, limit: number) => stream.filter((e) => e.timestamp <= endTime).slice(-limit);

describe('loading earlier log events', () => {
  it('adds the events before the shown ones once each, also when they share the oldest shown millisecond', () => {
    let shown = stream.slice(3); // d e f g: 'd' shares its millisecond with b and c
    const seen: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const req = earlierRequest(shown, 2);
      if (!req) break;
      const page = earlierEvents(newest(req.endTime, req.limit), req);
      shown = [...page.events, ...shown];
      seen.push(shown.map((e) => e.message));
      if (!page.more) break;
    }
    expect(seen.at(-1)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(seen[0]).toEqual(['b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('says no more remain when the page was not full', () => {
    const req = earlierRequest([ev(2, 'c'), ev(2, 'd')], 5)!;
    expect(req).toEqual({ endTime: 2, limit: 7, overlap: 2 });
    expect(earlierEvents(newest(req.endTime, req.limit), req)).toEqual({ events: [ev(1, 'a'), ev(2, 'b')], more: false });
  });

  it('asks for nothing when nothing is shown', () => {
    expect(earlierRequest([])).toBeUndefined();
  });
});

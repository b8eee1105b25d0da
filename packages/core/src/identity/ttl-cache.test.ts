import { describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('reuses a value within its time and generation, and loads again after either moves on', async () => {
    const clock = new ManualClock(1000);
    const cache = new TtlCache<number>(clock, 5000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', 0, load)).toBe(1);
    expect(await cache.get('k', 0, load)).toBe(1);
    clock.advance(4999);
    expect(await cache.get('k', 0, load)).toBe(1);
    clock.advance(1);
    expect(await cache.get('k', 0, load)).toBe(2);
    expect(await cache.get('k', 1, load)).toBe(3);
  });

  it('never caches a failure or undefined', async () => {
    const cache = new TtlCache<number | undefined>(new ManualClock(0), 5000);
    await expect(cache.get('k', 0, async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await cache.get('k', 0, async () => undefined)).toBeUndefined();
    expect(await cache.get('k', 0, async () => 7)).toBe(7);
  });
});

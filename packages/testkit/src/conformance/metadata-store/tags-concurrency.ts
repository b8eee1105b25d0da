import { expect } from 'vitest';
import type { Tag } from '@loam/core';
import type { Harness } from './harness.js';

/**
 * Resolves once `n` callers have arrived, or for everyone once the first has waited `ms`: a race the
 * store may let happen then happens on every run, and a store that makes the others wait (a lock)
 * only costs the wait once.
 */
export function barrier(n: number, ms: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    arrived += 1;
    if (arrived >= n) open();
    timer ??= setTimeout(open, ms);
    return opened.finally(() => clearTimeout(timer));
  };
}

/** `p` settled, or `ms` passed: time for a write that does not wait to land. */
const settledOrAfter = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((r) => setTimeout(r, ms))]);

const arnOf = (g: string) => `arn:loam:sagemaker:us-east-1:000000000000:model/${g}`;

/**
 * A count of a resource's tags read inside a transaction stays true until it ends (a limit checked on it
 * holds when transactions run side by side, as on PostgreSQL under READ COMMITTED).
 */
export function tagConcurrencyTests(h: Harness): void {
  h.test('tags: concurrent transactions that count a resource\'s tags and add one past the count never pass the limit', async () => {
    const arn = arnOf(h.group());
    const limit = 50;
    const racers = 6;
    await h.store.tags.put(arn, Array.from({ length: limit - 1 }, (_, i): Tag => ({ Key: `k${i}`, Value: '' })));
    const counted = barrier(racers, 1000);
    const outcomes = await Promise.allSettled(Array.from({ length: racers }, (_, i) => h.store.transaction(async (tx) => {
      const n = (await tx.tags.list(arn)).length;
      await counted();
      if (n >= limit) throw new Error(`full at ${n}`);
      await tx.tags.put(arn, [{ Key: `new-${i}`, Value: String(n) }]);
    })));
    expect(await h.store.tags.list(arn)).toHaveLength(limit);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason.message))).toEqual(Array(racers - 1).fill(`full at ${limit}`));
  }, 20_000);

  h.test('tags: a write of a resource\'s tags outside the transaction that listed them waits until it ends', async () => {
    const arn = arnOf(h.group());
    await h.store.tags.put(arn, [{ Key: 'a', Value: '1' }]);
    let writes: Promise<unknown> | undefined;
    await h.store.transaction(async (tx) => {
      const first = await tx.tags.list(arn);
      writes = Promise.all([h.store.tags.put(arn, [{ Key: 'b', Value: '2' }]), h.store.tags.remove(arn, ['a'])]);
      await settledOrAfter(writes, 500);
      expect(await tx.tags.list(arn)).toEqual(first);
    });
    await writes;
    expect(await h.store.tags.list(arn)).toEqual([{ Key: 'b', Value: '2' }]);
  }, 20_000);
}

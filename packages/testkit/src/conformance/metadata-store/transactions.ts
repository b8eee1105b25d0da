import { expect } from 'vitest';
import { codeOf, noteSpec, widgetSpec, type Harness, type Widget } from './harness.js';
import { barrier } from './tags-concurrency.js';

/** All-or-nothing transactions and optimistic concurrency under racing writers. */
export function transactionTests(h: Harness): void {
  h.test('a transaction commits every write together and returns its result', async () => {
    const g = h.group();
    const result = await h.store.transaction(async (tx) => {
      await tx.collection(widgetSpec).insert({ name: `${g}-a`, arn: `arn:${g}-a`, group: g });
      await tx.collection(noteSpec).insert({ id: `${g}-n`, group: g, text: 'hi' });
      await tx.tags.put(`arn:${g}-a`, [{ Key: 'team', Value: 'ml' }]);
      await tx.lineage.add({ sourceArn: `arn:${g}-n`, destinationArn: `arn:${g}-a`, associationType: 'ContributedTo', createdAt: 1 });
      // Reads inside the transaction see its own writes.
      expect((await tx.collection(widgetSpec).get(`${g}-a`))?.version).toBe(1);
      expect(await tx.collection(widgetSpec).count([{ field: 'group', op: 'eq', value: g }])).toBe(1);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await h.widgets().get(`${g}-a`))?.version).toBe(1);
    expect((await h.store.collection(noteSpec).get(`${g}-n`))?.value.text).toBe('hi');
    expect(await h.store.tags.list(`arn:${g}-a`)).toEqual([{ Key: 'team', Value: 'ml' }]);
    expect(await h.store.lineage.edges(`arn:${g}-a`, 'upstream')).toHaveLength(1);
  });

  h.test('a transaction that throws leaves nothing behind', async () => {
    const g = h.group();
    const c = h.widgets();
    await c.insert({ name: `${g}-keep`, arn: `arn:${g}-keep`, group: g, size: 1 });
    await c.insert({ name: `${g}-gone`, arn: `arn:${g}-gone`, group: g });
    await h.store.tags.put(`arn:${g}-keep`, [{ Key: 'a', Value: '1' }]);
    await h.store.lineage.add({ sourceArn: `arn:${g}-keep`, destinationArn: `arn:${g}-x`, associationType: 'Produced', createdAt: 1 });
    const boom = new Error('boom');
    await expect(h.store.transaction(async (tx) => {
      const t = tx.collection(widgetSpec);
      await t.insert({ name: `${g}-new`, arn: `arn:${g}-new`, group: g });
      await t.update(`${g}-keep`, 1, { name: `${g}-keep`, arn: `arn:${g}-keep`, group: g, size: 99 });
      await t.delete(`${g}-gone`);
      await tx.collection(noteSpec).insert({ id: `${g}-n`, group: g });
      await tx.tags.put(`arn:${g}-keep`, [{ Key: 'a', Value: 'changed' }, { Key: 'b', Value: '2' }]);
      await tx.tags.clear(`arn:${g}-gone`);
      await tx.lineage.add({ sourceArn: `arn:${g}-new`, destinationArn: `arn:${g}-x`, associationType: 'Produced', createdAt: 2 });
      await tx.lineage.remove(`arn:${g}-keep`, `arn:${g}-x`);
      throw boom;
    })).rejects.toBe(boom);
    expect(await c.get(`${g}-new`)).toBeUndefined();
    expect(await c.get(`${g}-keep`)).toEqual({ value: { name: `${g}-keep`, arn: `arn:${g}-keep`, group: g, size: 1 }, version: 1 });
    expect((await c.get(`${g}-gone`))?.version).toBe(1);
    expect(await h.store.collection(noteSpec).get(`${g}-n`)).toBeUndefined();
    expect(await h.store.tags.list(`arn:${g}-keep`)).toEqual([{ Key: 'a', Value: '1' }]);
    expect((await h.store.lineage.edges(`arn:${g}-x`, 'upstream')).map((e) => e.sourceArn)).toEqual([`arn:${g}-keep`]);
    // The store is still usable after the rollback.
    expect((await c.update(`${g}-keep`, 1, { name: `${g}-keep`, arn: `arn:${g}-keep`, group: g, size: 2 })).version).toBe(2);
  });

  h.test('a nested transaction joins the outer one', async () => {
    const g = h.group();
    await expect(h.store.transaction(async (tx) => {
      const inner = await tx.transaction(async (tx2) => {
        await tx2.collection(widgetSpec).insert({ name: `${g}-inner`, arn: `arn:${g}-inner`, group: g });
        return 7;
      });
      expect(inner).toBe(7);
      expect(await tx.collection(widgetSpec).get(`${g}-inner`)).toBeDefined();
      throw new Error('outer fails');
    })).rejects.toThrow('outer fails');
    expect(await h.widgets().get(`${g}-inner`)).toBeUndefined();
    await h.store.transaction((tx) => tx.transaction((tx2) => tx2.collection(widgetSpec).insert({ name: `${g}-ok`, arn: `arn:${g}-ok`, group: g })));
    expect(await h.widgets().get(`${g}-ok`)).toBeDefined();
  });

  h.test('an error caught inside a transaction does not spoil it', async () => {
    const g = h.group();
    await h.widgets().insert({ name: `${g}-a`, arn: `arn:${g}-a`, group: g });
    await h.store.transaction(async (tx) => {
      const t = tx.collection(widgetSpec);
      expect(await codeOf(t.insert({ name: `${g}-a`, arn: `arn:${g}-other`, group: g }))).toBe('ResourceInUse');
      expect(await codeOf(t.update(`${g}-a`, 5, { name: `${g}-a`, arn: `arn:${g}-a`, group: g }))).toBe('ConflictException');
      expect(await codeOf(t.list({ sortBy: 'payload' }))).toBe('ValidationException');
      await t.insert({ name: `${g}-b`, arn: `arn:${g}-b`, group: g });
      await t.update(`${g}-a`, 1, { name: `${g}-a`, arn: `arn:${g}-a`, group: g, size: 4 });
    });
    expect((await h.widgets().get(`${g}-b`))?.version).toBe(1);
    expect((await h.widgets().get(`${g}-a`))?.value.size).toBe(4);
  });

  h.test('exactly one of N racing updates at the same version wins', async () => {
    const g = h.group();
    const c = h.widgets();
    await c.insert({ name: `${g}-a`, arn: `arn:${g}-a`, group: g, size: 0 });
    const n = 8;
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => c.update(`${g}-a`, 1, { name: `${g}-a`, arn: `arn:${g}-a`, group: g, size: i + 1 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as { code?: string }).code)).toEqual(Array(n - 1).fill('ConflictException'));
    const winner = (won[0] as PromiseFulfilledResult<{ value: Widget; version: number }>).value;
    expect(winner.version).toBe(2);
    expect(await c.get(`${g}-a`)).toEqual(winner);
  });

  h.test('racing inserts of one key: exactly one wins, the rest are ResourceInUse', async () => {
    const g = h.group();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => h.widgets().insert({ name: `${g}-a`, arn: `arn:${g}-${i}`, group: g, size: i })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { code?: string }).code)).toEqual(Array(7).fill('ResourceInUse'));
    expect(await h.widgets().count([{ field: 'group', op: 'eq', value: g }])).toBe(1);
  });

  h.test('concurrent read-modify-write transactions lose no update', async () => {
    const g = h.group();
    const key = `${g}-counter`;
    await h.widgets().insert({ name: key, arn: `arn:${key}`, group: g, size: 0 });
    const bump = async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await h.store.transaction(async (tx) => {
            const t = tx.collection(widgetSpec);
            const cur = (await t.get(key))!;
            await t.update(key, cur.version, { ...cur.value, size: cur.value.size! + 1 });
            await tx.tags.put(`arn:${key}`, [{ Key: `bump-${cur.value.size}`, Value: 'x' }]);
          });
          return;
        } catch (e) {
          if ((e as { code?: string }).code !== 'ConflictException') throw e;
        }
      }
      throw new Error('no progress after 50 attempts');
    };
    await Promise.all(Array.from({ length: 6 }, bump));
    expect((await h.widgets().get(key))?.value.size).toBe(6);
    expect((await h.store.tags.list(`arn:${key}`)).map((t) => t.Key)).toEqual(['bump-0', 'bump-1', 'bump-2', 'bump-3', 'bump-4', 'bump-5']);
  });

  h.test('a record read inside a transaction is not changed under it: racing read-modify-writes all succeed at once', async () => {
    // As where transactions take turns (SQLite, the fake): a counter bumped by 12 transactions at once
    // reaches 12 with no ConflictException (MLflow model versions and model package versions are numbered so).
    const g = h.group();
    const key = `${g}-counter`;
    await h.widgets().insert({ name: key, arn: `arn:${key}`, group: g, size: 0 });
    const bump = () => h.store.transaction(async (tx) => {
      const t = tx.collection(widgetSpec);
      const cur = (await t.get(key))!;
      await t.update(key, cur.version, { ...cur.value, size: cur.value.size! + 1 });
      return cur.value.size! + 1;
    });
    const got = await Promise.all(Array.from({ length: 12 }, bump));
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await h.widgets().get(key))?.value.size).toBe(12);
  });

  h.test('transactions reading two records in opposite orders all commit', async () => {
    const g = h.group();
    const [a, b] = [`${g}-a`, `${g}-b`];
    for (const k of [a, b]) await h.widgets().insert({ name: k, arn: `arn:${k}`, group: g, size: 0 });
    const bump = (first: string, second: string) => h.store.transaction(async (tx) => {
      const t = tx.collection(widgetSpec);
      for (const k of [first, second]) {
        const cur = (await t.get(k))!;
        await t.update(k, cur.version, { ...cur.value, size: cur.value.size! + 1 });
      }
    });
    // Where transactions run side by side, two of these can deadlock; the database rolls one back and it runs again.
    await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? bump(a, b) : bump(b, a))));
    expect([(await h.widgets().get(a))?.value.size, (await h.widgets().get(b))?.value.size]).toEqual([4, 4]);
  });

  h.test('lockUntilEnd: concurrent transactions that hold one key, count records and add one past the count never pass the limit', async () => {
    const g = h.group();
    const limit = 3;
    const racers = 6;
    const inGroup = [{ field: 'group' as const, op: 'eq' as const, value: g }];
    await h.widgets().insert({ name: `${g}-0`, arn: `arn:${g}-0`, group: g });
    await h.widgets().insert({ name: `${g}-1`, arn: `arn:${g}-1`, group: g });
    const counted = barrier(racers, 1000);
    const outcomes = await Promise.allSettled(Array.from({ length: racers }, (_, i) => h.store.transaction(async (tx) => {
      await tx.lockUntilEnd(`limit:${g}`);
      const n = await tx.collection(widgetSpec).count(inGroup);
      await counted();
      if (n >= limit) throw new Error(`full at ${n}`);
      await tx.collection(widgetSpec).insert({ name: `${g}-new-${i}`, arn: `arn:${g}-new-${i}`, group: g });
    })));
    expect(await h.widgets().count(inGroup)).toBe(limit);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason.message))).toEqual(Array(racers - 1).fill(`full at ${limit}`));
    await expect(h.store.lockUntilEnd(`limit:${g}`)).rejects.toMatchObject({ code: 'InternalFailure' });
  }, 20_000);
}

import { expect } from 'vitest';
import type { Harness } from './harness.js';

/** Reads of many resources' tags at once: the resources having a tag, the tags of many resources. */
export function tagReadTests(h: Harness): void {
  h.test('tags: tagged finds every resource having a key (with one of the values given), in ARN order, exactly', async () => {
    const g = h.group();
    const key = `team-${g}`;
    const arn = (n: string) => `arn:loam:sagemaker:us-east-1:000000000000:training-job/${g}-${n}`;
    const t = h.store.tags;
    await t.put(arn('b'), [{ Key: key, Value: 'x' }, { Key: 'other', Value: 'x' }]);
    await t.put(arn('B'), [{ Key: key, Value: 'X' }]);
    await t.put(arn('a'), [{ Key: key, Value: 'y' }]);
    await t.put(arn('é'), [{ Key: key, Value: 'значение ✓' }]);
    await t.put(arn('empty'), [{ Key: key, Value: '' }]);
    await t.put(arn('none'), [{ Key: `${key}-longer`, Value: 'x' }, { Key: key.toUpperCase(), Value: 'x' }]);
    // Code point order: 'B' < 'a' < 'b' < 'empty' < 'é'.
    expect(await t.tagged(key)).toEqual([
      { ResourceArn: arn('B'), Value: 'X' }, { ResourceArn: arn('a'), Value: 'y' }, { ResourceArn: arn('b'), Value: 'x' },
      { ResourceArn: arn('empty'), Value: '' }, { ResourceArn: arn('é'), Value: 'значение ✓' },
    ]);
    expect(await t.tagged(key, ['x'])).toEqual([{ ResourceArn: arn('b'), Value: 'x' }]);
    expect(await t.tagged(key, ['x', 'y', 'x', 'nowhere', ''])).toEqual([
      { ResourceArn: arn('a'), Value: 'y' }, { ResourceArn: arn('b'), Value: 'x' }, { ResourceArn: arn('empty'), Value: '' },
    ]);
    expect(await t.tagged(key, ['значение ✓'])).toEqual([{ ResourceArn: arn('é'), Value: 'значение ✓' }]);
    expect(await t.tagged(key, [])).toEqual([]);
    expect(await t.tagged(`${key}-absent`)).toEqual([]);
    // Writes are seen at once: an overwrite, a removal, a clear.
    await t.put(arn('a'), [{ Key: key, Value: 'x' }]);
    await t.remove(arn('b'), [key]);
    await t.clear(arn('B'));
    expect((await t.tagged(key, ['x'])).map((r) => r.ResourceArn)).toEqual([arn('a')]);
    expect((await t.tagged(key)).map((r) => r.ResourceArn)).toEqual([arn('a'), arn('empty'), arn('é')]);
    // Inside a transaction, its own writes are read.
    await h.store.transaction(async (tx) => {
      await tx.tags.put(arn('c'), [{ Key: key, Value: 'x' }]);
      expect((await tx.tags.tagged(key, ['x'])).map((r) => r.ResourceArn)).toEqual([arn('a'), arn('c')]);
    });
  });

  h.test('tags: listMany reads the tags of many resources at once, each sorted by key as list gives them', async () => {
    const g = h.group();
    const arns = Array.from({ length: 520 }, (_, i) => `arn:${g}:r${String(i).padStart(4, '0')}`);
    // Every fifth one tagged, past one read's worth of resources.
    await h.store.transaction(async (tx) => {
      for (const [i, a] of arns.entries()) if (i % 5 === 0) await tx.tags.put(a, [{ Key: 'b', Value: String(i) }, { Key: 'A', Value: 'up' }, { Key: 'ключ', Value: '' }]);
    });
    const many = await h.store.tags.listMany([...arns, arns[0] as string, `arn:${g}:never`]);
    expect([...many.keys()].sort()).toEqual([...arns, `arn:${g}:never`].sort());
    for (const [i, a] of arns.entries()) {
      expect(many.get(a)).toEqual(i % 5 === 0 ? [{ Key: 'A', Value: 'up' }, { Key: 'b', Value: String(i) }, { Key: 'ключ', Value: '' }] : []);
    }
    expect(many.get(`arn:${g}:never`)).toEqual([]);
    expect(many.get(arns[5] as string)).toEqual(await h.store.tags.list(arns[5] as string));
    expect((await h.store.tags.listMany([])).size).toBe(0);
  });
}

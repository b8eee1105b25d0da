import { expect } from 'vitest';
import type { Harness } from './harness.js';

/** The shared tag and lineage tables. */
export function tagAndLineageTests(h: Harness): void {
  h.test('tags: put adds and overwrites, list is sorted by key, remove and clear', async () => {
    const g = h.group();
    const arn = `arn:loam:sagemaker:us-east-1:000000000000:model/${g}`;
    const other = `${arn}-other`;
    const t = h.store.tags;
    expect(await t.list(arn)).toEqual([]);
    await t.put(arn, [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }, { Key: 'Z', Value: 'upper' }]);
    await t.put(other, [{ Key: 'a', Value: 'other' }]);
    await t.put(arn, [{ Key: 'a', Value: 'one' }, { Key: 'ключ', Value: 'значение ✓' }, { Key: 'c', Value: '' }]);
    await t.put(arn, []);
    expect(await t.list(arn)).toEqual([
      { Key: 'Z', Value: 'upper' }, { Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '' }, { Key: 'ключ', Value: 'значение ✓' },
    ]);
    await t.remove(arn, ['b', 'absent', 'ключ']);
    await t.remove(arn, []);
    expect((await t.list(arn)).map((x) => x.Key)).toEqual(['Z', 'a', 'c']);
    await t.clear(arn);
    expect(await t.list(arn)).toEqual([]);
    expect(await t.list(other)).toEqual([{ Key: 'a', Value: 'other' }]);
    await t.clear(`${arn}-never-tagged`);
  });

  h.test('lineage: add keeps the first edge, edges go both ways in time order, remove deletes one', async () => {
    const g = h.group();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `arn:${g}:${x}`) as [string, string, string, string];
    const l = h.store.lineage;
    await l.add({ sourceArn: a, destinationArn: c, associationType: 'ContributedTo', createdAt: 1_700_000_000_300 });
    await l.add({ sourceArn: a, destinationArn: b, associationType: 'Produced', createdAt: 1_700_000_000_300 });
    await l.add({ sourceArn: a, destinationArn: d, associationType: 'AssociatedWith', createdAt: 1_700_000_000_100 });
    await l.add({ sourceArn: b, destinationArn: c, associationType: 'DerivedFrom', createdAt: 1_700_000_000_200 });
    await l.add({ sourceArn: a, destinationArn: b, associationType: 'SameAs', createdAt: 1_700_000_000_999 });
    expect(await l.edges(a, 'downstream')).toEqual([
      { sourceArn: a, destinationArn: d, associationType: 'AssociatedWith', createdAt: 1_700_000_000_100 },
      { sourceArn: a, destinationArn: b, associationType: 'Produced', createdAt: 1_700_000_000_300 },
      { sourceArn: a, destinationArn: c, associationType: 'ContributedTo', createdAt: 1_700_000_000_300 },
    ]);
    expect((await l.edges(c, 'upstream')).map((e) => e.sourceArn)).toEqual([b, a]);
    expect(await l.edges(c, 'downstream')).toEqual([]);
    await l.remove(a, c);
    await l.remove(a, `${g}-absent`);
    expect((await l.edges(c, 'upstream')).map((e) => e.sourceArn)).toEqual([b]);
    expect((await l.edges(a, 'downstream')).map((e) => e.destinationArn)).toEqual([d, b]);
  });

  h.test('lineage: list keeps edges by association type and inclusive creation time, oldest first, ties by source then destination', async () => {
    const g = h.group();
    // Times no other test uses, so the store's other edges fall outside the window.
    const t0 = 4_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `arn:${g}:${x}`) as [string, string, string];
    const l = h.store.lineage;
    await l.add({ sourceArn: b, destinationArn: c, associationType: 'ContributedTo', createdAt: t0 + 5 });
    await l.add({ sourceArn: a, destinationArn: c, associationType: 'Produced', createdAt: t0 + 5 });
    await l.add({ sourceArn: a, destinationArn: b, associationType: 'ContributedTo', createdAt: t0 + 5 });
    await l.add({ sourceArn: c, destinationArn: a, associationType: 'ContributedTo', createdAt: t0 + 1 });
    await l.add({ sourceArn: b, destinationArn: a, associationType: 'ContributedTo', createdAt: t0 + 9 });
    const ours = (es: { sourceArn: string; destinationArn: string }[]) => es.filter((e) => e.sourceArn.startsWith(`arn:${g}:`)).map((e) => `${e.sourceArn.slice(-1)}${e.destinationArn.slice(-1)}`);
    expect(ours(await l.list())).toEqual(['ca', 'ab', 'ac', 'bc', 'ba']);
    expect(ours(await l.list({ createdAfter: t0 + 1, createdBefore: t0 + 5 }))).toEqual(['ca', 'ab', 'ac', 'bc']);
    expect(ours(await l.list({ createdAfter: t0 + 2, associationType: 'ContributedTo' }))).toEqual(['ab', 'bc', 'ba']);
    expect(await l.list({ createdAfter: t0 + 2, createdBefore: t0 + 4 })).toEqual([]);
    const [first] = await l.list({ createdAfter: t0 + 9, createdBefore: t0 + 9 });
    expect(first).toEqual({ sourceArn: b, destinationArn: a, associationType: 'ContributedTo', createdAt: t0 + 9 });
  });
}

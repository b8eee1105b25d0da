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

  h.test('lineage: moveEnd moves a vertex\'s edges (or only those named) to another, keeping type and time, and an edge already there', async () => {
    const g = h.group();
    const [a, b, c, m, to, later] = ['a', 'b', 'c', 'm', 'm#retired-1', 'm#retired-2'].map((x) => `arn:${g}:${x}`) as [string, string, string, string, string, string];
    const l = h.store.lineage;
    await h.store.transaction(async (tx) => {
      await tx.lineage.add({ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100 });
      await tx.lineage.add({ sourceArn: b, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_200 });
      await tx.lineage.add({ sourceArn: m, destinationArn: c, associationType: 'Produced', createdAt: 1_700_000_000_300 });
      // Already at the destination: kept as it is.
      await tx.lineage.add({ sourceArn: b, destinationArn: to, associationType: 'AssociatedWith', createdAt: 1_700_000_000_000 });
    });
    await h.store.transaction(async (tx) => {
      await tx.lineage.moveEnd(m, to, [{ sourceArn: b, destinationArn: m }, { sourceArn: m, destinationArn: c }, { sourceArn: m, destinationArn: `${g}-absent` }]);
      await tx.lineage.moveEnd(m, to, []);
    });
    expect(await l.edges(m, 'upstream')).toEqual([{ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100 }]);
    expect(await l.edges(m, 'downstream')).toEqual([]);
    expect(await l.edges(to, 'upstream')).toEqual([{ sourceArn: b, destinationArn: to, associationType: 'AssociatedWith', createdAt: 1_700_000_000_000 }]);
    expect(await l.edges(to, 'downstream')).toEqual([{ sourceArn: to, destinationArn: c, associationType: 'Produced', createdAt: 1_700_000_000_300 }]);
    await h.store.transaction((tx) => tx.lineage.moveEnd(m, later));
    await h.store.transaction((tx) => tx.lineage.moveEnd(`${g}-never-linked`, later));
    expect(await l.edges(m, 'upstream')).toEqual([]);
    expect(await l.edges(later, 'upstream')).toEqual([{ sourceArn: a, destinationArn: later, associationType: 'ContributedTo', createdAt: 1_700_000_000_100 }]);
    expect((await l.edges(a, 'downstream')).map((e) => e.destinationArn)).toEqual([later]);
    expect(await l.edges(to, 'downstream')).toHaveLength(1);
    // Outside a transaction too (the store opens one for it).
    await l.moveEnd(later, `${later}-again`);
    expect((await l.edges(a, 'downstream')).map((e) => e.destinationArn)).toEqual([`${later}-again`]);
  });

  h.test('lineage: an edge added as an older Loam\'s (legacy) reads back so, in edges and list, and stays so when moved', async () => {
    const g = h.group();
    const [a, m, to] = ['a', 'm', 'm#retired-1'].map((x) => `arn:${g}:${x}`) as [string, string, string];
    const l = h.store.lineage;
    await l.add({ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100, legacy: true });
    await l.add({ sourceArn: m, destinationArn: to, associationType: 'Produced', createdAt: 1_700_000_000_200 });
    expect(await l.edges(m, 'upstream')).toEqual([{ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100, legacy: true }]);
    expect(await l.edges(m, 'downstream')).toEqual([{ sourceArn: m, destinationArn: to, associationType: 'Produced', createdAt: 1_700_000_000_200 }]);
    expect((await l.list({ createdAfter: 1_700_000_000_100, createdBefore: 1_700_000_000_100 })).filter((e) => e.sourceArn === a)).toEqual([{ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100, legacy: true }]);
    await h.store.transaction((tx) => tx.lineage.moveEnd(a, `${a}#retired-1`));
    expect(await l.edges(m, 'upstream')).toEqual([{ sourceArn: `${a}#retired-1`, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_100, legacy: true }]);
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

  h.test('lineage: list pages by keyset in either order: limit, then after the last edge, ties by source then destination', async () => {
    const g = h.group();
    const t0 = 5_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `arn:${g}:${x}`) as [string, string, string];
    const l = h.store.lineage;
    // Same time for four edges, so only the ARNs order them; one earlier, one later.
    for (const [s, d] of [[b, c], [a, c], [a, b], [b, a]] as const) await l.add({ sourceArn: s, destinationArn: d, associationType: 'ContributedTo', createdAt: t0 + 5 });
    await l.add({ sourceArn: c, destinationArn: a, associationType: 'ContributedTo', createdAt: t0 + 1 });
    await l.add({ sourceArn: c, destinationArn: b, associationType: 'ContributedTo', createdAt: t0 + 9 });
    const window = { createdAfter: t0, createdBefore: t0 + 10 };
    const pairs = (es: { sourceArn: string; destinationArn: string }[]) => es.map((e) => `${e.sourceArn.slice(-1)}${e.destinationArn.slice(-1)}`);
    for (const [order, expected] of [['Ascending', ['ca', 'ab', 'ac', 'ba', 'bc', 'cb']], ['Descending', ['cb', 'bc', 'ba', 'ac', 'ab', 'ca']]] as const) {
      expect(pairs(await l.list({ ...window, order }))).toEqual(expected);
      const seen: string[] = [];
      let after: { createdAt: number; sourceArn: string; destinationArn: string } | undefined;
      for (let i = 0; i < 4; i++) {
        const page = await l.list({ ...window, order, limit: 2, ...(after ? { after } : {}) });
        seen.push(...pairs(page));
        const last = page[page.length - 1];
        if (!last) break;
        after = { createdAt: last.createdAt, sourceArn: last.sourceArn, destinationArn: last.destinationArn };
      }
      expect(seen, order).toEqual(expected);
    }
    // By either end: the other end breaks ties; keyset paging the same way.
    for (const [sortBy, order, expected] of [
      ['sourceArn', 'Ascending', ['ab', 'ac', 'ba', 'bc', 'ca', 'cb']], ['sourceArn', 'Descending', ['cb', 'ca', 'bc', 'ba', 'ac', 'ab']],
      ['destinationArn', 'Ascending', ['ba', 'ca', 'ab', 'cb', 'ac', 'bc']], ['destinationArn', 'Descending', ['bc', 'ac', 'cb', 'ab', 'ca', 'ba']],
    ] as const) {
      expect(pairs(await l.list({ ...window, sortBy, order })), `${sortBy} ${order}`).toEqual(expected);
      const [, second] = await l.list({ ...window, sortBy, order, limit: 2 });
      const rest = await l.list({ ...window, sortBy, order, after: second as { createdAt: number; sourceArn: string; destinationArn: string } });
      expect(pairs(rest), `${sortBy} ${order} after the second`).toEqual(expected.slice(2));
    }
  });
}

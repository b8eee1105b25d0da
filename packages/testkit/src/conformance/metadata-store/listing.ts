import { expect } from 'vitest';
import type { Collection, Filter, ListQuery } from '@loam/core';
import { codeOf, errorOf, widgetSpec, type Harness, type Widget } from './harness.js';

/** Code-point order, written independently of every implementation under test. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The order the port promises: present values ascending, absent ones last, key as tie-breaker; Descending reversed. */
function referenceOrder(rows: readonly Widget[], sortBy: keyof Widget, desc: boolean): string[] {
  const sorted = [...rows].sort((a, b) => {
    const va = a[sortBy] as string | number | undefined | null;
    const vb = b[sortBy] as string | number | undefined | null;
    const aMissing = va === undefined || va === null;
    const bMissing = vb === undefined || vb === null;
    let c = 0;
    if (aMissing !== bMissing) c = aMissing ? 1 : -1;
    else if (!aMissing) c = typeof va === 'number' ? va - (vb as number) : compareCodePoints(va as string, vb as string);
    return c !== 0 ? c : compareCodePoints(a.name, b.name);
  });
  const keys = sorted.map((r) => r.name);
  return desc ? keys.reverse() : keys;
}

async function listAll(c: Collection<Widget>, q: ListQuery<Widget>): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await c.list({ ...q, ...(token === undefined ? {} : { nextToken: token }) });
    expect(page.items.length).toBeLessThanOrEqual(q.maxResults ?? 100);
    keys.push(...page.items.map((v) => v.value.name));
    token = page.nextToken;
    pages += 1;
    if (pages > 1000) throw new Error('pagination does not terminate');
  } while (token !== undefined);
  return { keys, pages };
}

/** Filters, sorting, pagination and counting. */
export function listingTests(h: Harness): void {
  h.test('each filter operator matches exactly the hand-computed records', async () => {
    const g = h.group();
    const c = h.widgets();
    const rows: Omit<Widget, 'arn' | 'group'>[] = [
      { name: 'a', status: 'Active', label: 'Alpha One', size: 1, score: 0.5, createdAt: 1_700_000_000_000 },
      { name: 'b', status: 'active', label: 'alpha two', size: 2, score: 1.5, createdAt: 1_700_000_000_001 },
      { name: 'c', status: 'Stopped', label: 'Ärger 50%_off', size: 3, createdAt: 1_800_000_000_000 },
      { name: 'd', label: 'beta', size: 10, score: -2.25, createdAt: 1_600_000_000_000 },
      { name: 'e', status: 'Failed', score: 1.5 },
      { name: 'f', status: 'Active', label: 'ÄRGER', size: 2, score: 100, createdAt: 1_700_000_000_000 },
    ];
    for (const r of rows) await c.insert({ ...r, name: `${g}-${r.name}`, arn: `arn:${g}-${r.name}`, group: g });
    const cases: [Filter<Widget>[], string][] = [
      [[{ field: 'status', op: 'eq', value: 'Active' }], 'af'],
      [[{ field: 'status', op: 'ne', value: 'Active' }], 'bce'],
      [[{ field: 'size', op: 'lt', value: 2 }], 'a'],
      [[{ field: 'size', op: 'lte', value: 2 }], 'abf'],
      [[{ field: 'size', op: 'gt', value: 2 }], 'cd'],
      [[{ field: 'size', op: 'gte', value: 10 }], 'd'],
      [[{ field: 'score', op: 'gte', value: 1.5 }], 'bef'],
      [[{ field: 'score', op: 'lt', value: 0 }], 'd'],
      [[{ field: 'label', op: 'contains', value: 'ALPHA' }], 'ab'],
      [[{ field: 'label', op: 'contains', value: 'ärger' }], 'cf'],
      [[{ field: 'label', op: 'contains', value: '50%_' }], 'c'],
      [[{ field: 'label', op: 'contains', value: 'a_p' }], ''],
      [[{ field: 'label', op: 'contains', value: '%' }], 'c'],
      [[{ field: 'label', op: 'prefix', value: 'alpha' }], 'b'],
      [[{ field: 'label', op: 'prefix', value: 'Ä' }], 'cf'],
      [[{ field: 'label', op: 'prefix', value: 'Al_ha' }], ''],
      [[{ field: 'name', op: 'prefix', value: `${g}-` }], 'abcdef'],
      [[{ field: 'name', op: 'in', value: [`${g}-a`, `${g}-e`, 'nope'] }], 'ae'],
      [[{ field: 'name', op: 'gt', value: `${g}-d` }], 'ef'],
      [[{ field: 'status', op: 'in', value: ['Failed', 'Stopped'] }], 'ce'],
      [[{ field: 'status', op: 'in', value: [] }], ''],
      [[{ field: 'createdAt', op: 'gt', value: 1_700_000_000_000 }], 'bc'],
      [[{ field: 'createdAt', op: 'eq', value: 1_700_000_000_000 }], 'af'],
      [[{ field: 'status', op: 'eq', value: 'Active' }, { field: 'size', op: 'gte', value: 2 }], 'f'],
    ];
    for (const [filters, expected] of cases) {
      const all = [{ field: 'group', op: 'eq', value: g } as Filter<Widget>, ...filters];
      const want = [...expected].map((s) => `${g}-${s}`);
      const got = (await c.list({ filters: all })).items.map((v) => v.value.name);
      expect(got, JSON.stringify(filters)).toEqual(want);
      expect(await c.count(all), JSON.stringify(filters)).toBe(want.length);
    }
  });

  h.test('filters and sorts on non-indexed fields or with wrong value types are ValidationExceptions naming the field', async () => {
    const c = h.widgets();
    const notIndexed = await errorOf(c.list({ filters: [{ field: 'payload', op: 'eq', value: 'x' }] }));
    expect(notIndexed.code).toBe('ValidationException');
    expect(notIndexed.message).toContain('payload');
    const sortBad = await errorOf(c.list({ sortBy: 'payload' }));
    expect(sortBad.code).toBe('ValidationException');
    expect(sortBad.message).toContain('payload');
    expect(await codeOf(c.count([{ field: 'payload', op: 'eq', value: 'x' }]))).toBe('ValidationException');
    const bad: Filter<Widget>[] = [
      { field: 'size', op: 'eq', value: 'x' },
      { field: 'size', op: 'lt', value: 1.5 },
      { field: 'label', op: 'eq', value: 3 },
      { field: 'size', op: 'contains', value: '1' },
      { field: 'label', op: 'in', value: 'x' },
      { field: 'label', op: 'in', value: ['x', 1] },
      { field: 'label', op: 'like' as 'eq', value: 'x' },
    ];
    for (const f of bad) expect(await codeOf(c.list({ filters: [f] })), JSON.stringify(f)).toBe('ValidationException');
  });

  h.test('pages through 250 records with filters in both sort orders with no duplicates or gaps', async () => {
    const g = h.group();
    const labels = ['alpha', 'Beta', 'ärger', 'Zulu', 'émile', 'ﬀ', '😀x', 'zz'];
    const rows: Widget[] = [];
    for (let i = 0; i < 250; i++) {
      const w: Widget = { name: `${g}-${((i * 97) % 250).toString(36)}-${i}`, arn: `arn:${g}-${i}`, group: g, status: 'ABC'[i % 3]!, size: (i * 7) % 13, label: `${labels[i % 8]}${i % 5}` };
      if (i % 10 !== 0) w.score = ((i * 31) % 23) / 4;
      rows.push(w);
    }
    await h.store.transaction(async (tx) => {
      for (const r of rows) await tx.collection(h.widgets().spec).insert(r);
    });
    const c = h.widgets();
    const filterSets: { filters: Filter<Widget>[]; keep: (w: Widget) => boolean }[] = [
      { filters: [], keep: () => true },
      { filters: [{ field: 'status', op: 'eq', value: 'A' }], keep: (w) => w.status === 'A' },
      { filters: [{ field: 'size', op: 'gte', value: 5 }, { field: 'status', op: 'ne', value: 'C' }], keep: (w) => w.size! >= 5 && w.status !== 'C' },
      { filters: [{ field: 'status', op: 'eq', value: 'B' }, { field: 'size', op: 'gte', value: 3 }, { field: 'size', op: 'lt', value: 9 }], keep: (w) => w.status === 'B' && w.size! >= 3 && w.size! < 9 },
    ];
    for (const sortBy of [undefined, 'size', 'score', 'label'] as const) {
      for (const desc of [false, true]) {
        for (const fs of filterSets) {
          const q: ListQuery<Widget> = { filters: [{ field: 'group', op: 'eq', value: g }, ...fs.filters], maxResults: 7, sortOrder: desc ? 'Descending' : 'Ascending', ...(sortBy ? { sortBy } : {}) };
          const want = referenceOrder(rows.filter(fs.keep), sortBy ?? 'name', desc);
          const { keys, pages } = await listAll(c, q);
          const what = `sortBy=${sortBy ?? 'key'} desc=${desc} filters=${JSON.stringify(fs.filters)}`;
          expect(new Set(keys).size, what).toBe(keys.length);
          expect(keys, what).toEqual(want);
          expect(pages, what).toBe(Math.max(1, Math.ceil(want.length / 7)));
        }
      }
    }
    const firstPage = await c.list({ filters: [{ field: 'group', op: 'eq', value: g }] });
    expect(firstPage.items).toHaveLength(100);
    expect(firstPage.nextToken).toBeDefined();
    const whole = await c.list({ filters: [{ field: 'group', op: 'eq', value: g }], maxResults: 1000 });
    expect(whole.items).toHaveLength(250);
    expect(whole.nextToken).toBeUndefined();
    expect(await c.count([{ field: 'group', op: 'eq', value: g }, { field: 'score', op: 'gte', value: 0 }])).toBe(225);
  }, 120_000);

  h.test('a NextToken stays valid when records change between pages', async () => {
    const g = h.group();
    const c = h.widgets();
    const rows: Widget[] = [];
    for (let i = 0; i < 20; i++) rows.push({ name: `${g}-${String(i).padStart(2, '0')}`, arn: `arn:${g}-${i}`, group: g, size: i % 4 });
    for (const r of rows) await c.insert(r);
    const q: ListQuery<Widget> = { filters: [{ field: 'group', op: 'eq', value: g }], sortBy: 'size', maxResults: 5 };
    const first = await c.list(q);
    const cursor = first.items[first.items.length - 1]!.value;
    // Delete the very record the token points after; add one that sorts before it and one just after it.
    await c.delete(cursor.name);
    const before: Widget = { name: `${g}-0b`, arn: `arn:${g}-0b`, group: g, size: cursor.size! };
    const just: Widget = { name: `${g}-zz`, arn: `arn:${g}-zz`, group: g, size: cursor.size! };
    await c.insert(before);
    await c.insert(just);
    const rest = await listAll(c, { ...q, nextToken: first.nextToken! });
    const order = referenceOrder([...rows, before, just], 'size', false);
    const after = order.slice(order.indexOf(cursor.name) + 1);
    expect(after[0]).toBe(just.name);
    expect(rest.keys).toEqual(after);
  });

  h.test('maxResults outside 1–1000 and malformed NextTokens are ValidationExceptions', async () => {
    const c = h.widgets();
    for (const maxResults of [0, 1001, 1.5, -1]) expect(await codeOf(c.list({ maxResults })), String(maxResults)).toBe('ValidationException');
    for (const nextToken of ['garbage!!', 'eyJ4IjoxfQ', Buffer.from('[1,2]').toString('base64url')]) {
      expect(await codeOf(c.list({ nextToken })), nextToken).toBe('ValidationException');
    }
    const g = h.group();
    for (let i = 0; i < 3; i++) await c.insert({ name: `${g}-${i}`, arn: `arn:${g}-${i}`, group: g, label: `l${i}`, size: i });
    const byLabel = await c.list({ filters: [{ field: 'group', op: 'eq', value: g }], sortBy: 'label', maxResults: 1 });
    expect(await codeOf(c.list({ filters: [{ field: 'group', op: 'eq', value: g }], sortBy: 'size', nextToken: byLabel.nextToken! }))).toBe('ValidationException');
    expect(await codeOf(c.list({ sortOrder: 'Sideways' as 'Ascending' }))).toBe('ValidationException');
  });
}

/** Values read inside the records (`Collection.values`), without the records. */
export function valuesTests(h: Harness): void {
  h.test('values reads each path as the record holds it, in key order, after a key, filtered', async () => {
    const g = h.group();
    const c = h.widgets();
    const odd = { 'a.b': '1', 'q"uote': 'x', 'back\\slash': 2, 'ü😀': '3', '[0]': true, 'o': { n: 1 }, 'l': [1, 'a'], 'z': null };
    await c.insert({ name: `${g}-b`, arn: `arn:${g}-b`, group: g, status: 'Active', payload: odd });
    await c.insert({ name: `${g}-a`, arn: `arn:${g}-a`, group: g, status: 'Stopped', payload: { 'a.b': 'other' } });
    await c.insert({ name: `${g}-\u{1F600}`, arn: `arn:${g}-e`, group: g, status: 'Active' });
    await c.insert({ name: `${g}-\uE000`, arn: `arn:${g}-p`, group: g, status: 'Active' });
    const keys = Object.keys(odd);
    const paths = [['arn'], ...keys.map((k) => ['payload', k]), ['payload', 'o', 'n'], ['payload', 'missing'], ['status', 'x']];
    const rows = await c.values({ filters: [{ field: 'group', op: 'eq', value: g }], paths, limit: 10 });
    // Code-point order: U+E000 before U+1F600 (UTF-16 would put the surrogate pair first).
    expect(rows.map((r) => r.key)).toEqual([`${g}-a`, `${g}-b`, `${g}-\uE000`, `${g}-\u{1F600}`]);
    expect(rows[1]!.values).toEqual([`arn:${g}-b`, '1', 'x', 2, '3', true, { n: 1 }, [1, 'a'], null, 1, undefined, undefined]);
    expect(rows[0]!.values.slice(0, 3)).toEqual([`arn:${g}-a`, 'other', undefined]);
    expect(rows[2]!.values.slice(1).every((v) => v === undefined)).toBe(true);
    const after = await c.values({ filters: [{ field: 'group', op: 'eq', value: g }, { field: 'status', op: 'eq', value: 'Active' }], paths: [['arn']], after: `${g}-b`, limit: 1 });
    expect(after).toEqual([{ key: `${g}-\uE000`, values: [`arn:${g}-p`] }]);
    expect(await codeOf(c.values({ paths: [['arn']], limit: 0 }))).toBe('ValidationException');
    expect(await codeOf(c.values({ filters: [{ field: 'arnx' as 'arn', op: 'eq', value: 'x' }], paths: [['arn']], limit: 1 }))).toBe('ValidationException');
  });

  h.test('values reads records holding U+0000 or a lone surrogate (text a job\'s failure file can give), beside the others', async () => {
    const g = h.group();
    const c = h.widgets();
    // JSON.stringify writes them as \u0000 and \ud83d: valid JSON, which PostgreSQL's json type refuses to read.
    await c.insert({ name: `${g}-a`, arn: `arn:${g}-a`, group: g, status: 'Failed', payload: { reason: 'a\u0000b', note: 'x' } });
    await c.insert({ name: `${g}-b`, arn: `arn:${g}-b`, group: g, status: 'Failed', payload: { reason: 'cut \ud83d', note: 'y' } });
    await c.insert({ name: `${g}-c`, arn: `arn:${g}-c`, group: g, status: 'Active', payload: { note: 'z\\u0000' } });
    const rows = await c.values({ filters: [{ field: 'group', op: 'eq', value: g }], paths: [['arn'], ['payload', 'note'], ['payload', 'reason']], limit: 10 });
    expect(rows).toEqual([
      { key: `${g}-a`, values: [`arn:${g}-a`, 'x', 'a\u0000b'] },
      { key: `${g}-b`, values: [`arn:${g}-b`, 'y', 'cut \ud83d'] },
      { key: `${g}-c`, values: [`arn:${g}-c`, 'z\\u0000', undefined] },
    ]);
    // Inside a transaction too, which goes on (and commits) after the read.
    await h.store.transaction(async (tx) => {
      const read = await tx.collection(widgetSpec).values({ filters: [{ field: 'group', op: 'eq', value: g }], paths: [['payload', 'reason']], limit: 10 });
      expect(read.map((r) => r.values[0])).toEqual(['a\u0000b', 'cut \ud83d', undefined]);
      await tx.collection(widgetSpec).insert({ name: `${g}-d`, arn: `arn:${g}-d`, group: g, payload: { reason: 'after' } });
    });
    expect((await c.values({ filters: [{ field: 'group', op: 'eq', value: g }], paths: [['payload', 'reason']], after: `${g}-c`, limit: 10 }))).toEqual([{ key: `${g}-d`, values: ['after'] }]);
  });
}

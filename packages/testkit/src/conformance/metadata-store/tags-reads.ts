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

  h.test('tags: tagged reads one type\'s ARNs alone (a prefix taken exactly), a page at a time in ARN order', async () => {
    const g = h.group();
    const key = `kind-${g}`;
    const t = h.store.tags;
    // A type whose name holds LIKE's wildcards: `a%b_` matches `aZZbX` and `a%b_`-longer names as a pattern, not as text.
    const type = (kind: string) => `arn:loam:sagemaker:us-east-1:000000000000:${g}${kind}/`;
    const jobs = ['j0', 'j1', 'j2', 'J', 'é', '😀'].map((n) => `${type('a%b_')}${n}`);
    const others = [type('aZZbX'), `${type('a%b_x')}n`, type('a%b_').slice(0, -1) + '0n', type('a%b_').slice(0, -1), `${type('a%b')}n`, `${type('other')}j0`];
    await h.store.transaction(async (tx) => {
      for (const [i, a] of [...jobs, ...others].entries()) await tx.tags.put(a, [{ Key: key, Value: i % 2 ? 'odd' : 'even' }]);
    });
    const sorted = [...jobs].sort((a, b) => (a < b ? -1 : 1));
    const prefix = type('a%b_');
    expect((await t.tagged(key, undefined, { arnPrefix: prefix })).map((r) => r.ResourceArn)).toEqual(sorted);
    expect((await t.tagged(key, ['even'], { arnPrefix: prefix })).map((r) => r.ResourceArn)).toEqual(sorted.filter((a) => jobs.indexOf(a) % 2 === 0));
    // Pages of 2 from the last ARN of the page before: every ARN once, in order.
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await t.tagged(key, undefined, { arnPrefix: prefix, limit: 2, ...(after === undefined ? {} : { after }) })).map((r) => r.ResourceArn);
      if (page.length === 0) break;
      pages.push(page);
      after = page[page.length - 1];
    }
    expect(pages).toEqual([sorted.slice(0, 2), sorted.slice(2, 4), sorted.slice(4, 6)]);
    expect((await t.tagged(key, ['odd', 'even'], { arnPrefix: prefix, after: sorted[1] as string, limit: 3 })).map((r) => r.ResourceArn)).toEqual(sorted.slice(2, 5));
    // No prefix: every type's; an empty prefix alike; a prefix no ARN has: none.
    expect(await t.tagged(key, undefined, { arnPrefix: '' })).toEqual(await t.tagged(key));
    expect(await t.tagged(key)).toHaveLength(jobs.length + others.length);
    expect(await t.tagged(key, undefined, { arnPrefix: type('none') })).toEqual([]);
    await expect(t.tagged(key, undefined, { limit: 0 })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(t.tagged(key, undefined, { limit: 1001 })).rejects.toMatchObject({ code: 'ValidationException' });
  });

  h.test('tags: tagged takes a prefix ending at a code point edge (U+D7FF, U+FFFF, astral, U+10FFFF) as the ARNs starting with it, in code point order', async () => {
    const g = h.group();
    const key = `edge-${g}`;
    const t = h.store.tags;
    const base = `arn:${g}:`;
    // Each prefix's successor is past the surrogates (U+D7FF), past the BMP (U+FFFF: U+10000 sorts after it by code
    // point and UTF-8 bytes, before it in UTF-16), or the last code point's predecessor raised (U+10FFFF).
    const names = ['a', 'a\uD7FF', 'a\uD7FFx', 'a\uE000', 'a\uFFFF', 'a\uFFFFx', 'a\u{10000}', 'a\u{1F600}', 'a\u{1F600}x', 'a\u{1F601}', 'a\u{10FFFF}', 'a\u{10FFFF}\u{10FFFF}', 'b'];
    await h.store.transaction(async (tx) => {
      for (const n of names) await tx.tags.put(`${base}${n}`, [{ Key: key, Value: 'v' }]);
    });
    const byCodePoint = (a: string, b: string) => {
      const [x, y] = [[...a].map((c) => c.codePointAt(0) as number), [...b].map((c) => c.codePointAt(0) as number)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
      return x.length - y.length;
    };
    const all = names.map((n) => `${base}${n}`).sort(byCodePoint);
    for (const p of ['a\uD7FF', 'a\uFFFF', 'a\u{1F600}', 'a\u{10FFFF}', 'a']) {
      const prefix = `${base}${p}`;
      const found = (await t.tagged(key, undefined, { arnPrefix: prefix })).map((r) => r.ResourceArn);
      expect(found, p).toEqual(all.filter((a) => a.startsWith(prefix)));
      // Paged from each ARN found: the rest in order.
      if (found.length > 1) expect((await t.tagged(key, ['v'], { arnPrefix: prefix, after: found[0] as string, limit: 1000 })).map((r) => r.ResourceArn), p).toEqual(found.slice(1));
    }
    expect((await t.tagged(key)).map((r) => r.ResourceArn)).toEqual(all);
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

import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvReadOptions, DataEngine } from '@loam/core';

export interface DataEngineTarget {
  readonly name: string;
  create(): Promise<{ engine: DataEngine; close(): Promise<void> }>;
}

const csv = (...columnNames: string[]): CsvReadOptions => ({ delimiter: ',', quote: '"', escape: '"', header: true, encoding: 'utf-8', columnNames });

/**
 * What every DataEngine must do: read CSV/TSV (quoted fields, multi-line values), gzip, JSON Lines
 * and Parquet with explicit options; infer and override types; refuse ragged rows and files that are
 * not what they claim; answer queries over named sources with JSON-safe values; write Parquet and CSV
 * atomically. Expected values are written by hand from the fixtures below.
 */
export function describeDataEngineConformance(target: DataEngineTarget): void {
  describe(`DataEngine conformance: ${target.name}`, () => {
    let engine: DataEngine;
    let close: () => Promise<void>;
    let dir: string;
    const file = (name: string, body: string | Uint8Array) => {
      const p = join(dir, name);
      writeFileSync(p, body);
      return p;
    };

    beforeAll(async () => {
      ({ engine, close } = await target.create());
      dir = mkdtempSync(join(tmpdir(), 'loam-de-conf-'));
    });
    afterAll(async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('infers types from a CSV with quoted fields and multi-line values', async () => {
      const p = file('a.csv', 'id,name,score,day\n1,"Smith, J",2.5,2024-01-02\n2,"multi\nline",,2024-01-03\n3,"say ""hi""",4,2024-02-01\n');
      const r = await engine.inspect({ path: p, format: 'csv', csv: csv('id', 'name', 'score', 'day') });
      expect(r.rowCount).toBe(3);
      expect(r.columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'VARCHAR' }, { name: 'score', type: 'DOUBLE' }, { name: 'day', type: 'DATE' }]);
      const q = await engine.query('SELECT id, name, score, day FROM src ORDER BY id', { src: { path: p, format: 'csv', csv: csv('id', 'name', 'score', 'day') } });
      expect(q.rows).toEqual([[1, 'Smith, J', 2.5, '2024-01-02'], [2, 'multi\nline', null, '2024-01-03'], [3, 'say "hi"', 4, '2024-02-01']]);
    });

    it('applies type overrides and reads TSV without a header and gzip', async () => {
      const p = file('b.tsv.gz', gzipSync(Buffer.from('7\tx\n8\ty\n')));
      const src = { path: p, format: 'csv' as const, compression: 'gzip' as const, csv: { ...csv('column0', 'column1'), delimiter: '\t', header: false }, columnTypes: { column0: 'VARCHAR' } };
      const r = await engine.inspect(src);
      expect(r.columns).toEqual([{ name: 'column0', type: 'VARCHAR' }, { name: 'column1', type: 'VARCHAR' }]);
      const q = await engine.query('SELECT * FROM s ORDER BY 1', { s: src });
      expect(q.rows).toEqual([['7', 'x'], ['8', 'y']]);
    });

    it('reads JSON Lines, with an override by cast', async () => {
      const p = file('c.jsonl', '{"a":1,"b":"u"}\n{"a":2,"b":"v"}\n');
      const q = await engine.query('SELECT a, b FROM j ORDER BY a', { j: { path: p, format: 'jsonl', columnTypes: { a: 'DOUBLE' } } });
      expect(q.columns).toEqual([{ name: 'a', type: 'DOUBLE' }, { name: 'b', type: 'VARCHAR' }]);
      expect(q.rows).toEqual([[1, 'u'], [2, 'v']]);
    });

    it('refuses a ragged row, naming its line', async () => {
      const p = file('ragged.csv', 'a,b,c\n1,2,3\n4,5\n');
      await expect(engine.inspect({ path: p, format: 'csv', csv: csv('a', 'b', 'c') })).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/[Ll]ine:? 3/) });
    });

    it('refuses a Parquet file that is not Parquet, and an override that does not cast', async () => {
      const p = file('fake.parquet', 'not parquet at all\n');
      await expect(engine.inspect({ path: p, format: 'parquet' })).rejects.toMatchObject({ code: 'ValidationException' });
      const c = file('d.csv', 'a\nx\n');
      await expect(engine.inspect({ path: c, format: 'csv', csv: csv('a'), columnTypes: { a: 'BIGINT' } })).rejects.toMatchObject({ code: 'ValidationException' });
    });

    it('truncates at the limit and says so', async () => {
      const p = file('e.csv', `n\n${Array.from({ length: 20 }, (_, i) => i).join('\n')}\n`);
      const q = await engine.query('SELECT n FROM t ORDER BY n', { t: { path: p, format: 'csv', csv: csv('n') } }, { limit: 5 });
      expect(q.rows).toEqual([[0], [1], [2], [3], [4]]);
      expect(q.truncated).toBe(true);
    });

    it('writes Parquet and CSV that read back the same, and leaves nothing when the query fails', async () => {
      const p = file('f.csv', 'k,v\na,1\nb,2\n');
      const out = join(dir, 'out.parquet');
      const w = await engine.copyTo('SELECT k, v * 10 AS v FROM t', { t: { path: p, format: 'csv', csv: csv('k', 'v') } }, { path: out, format: 'parquet' });
      expect(w.rowCount).toBe(2);
      expect(w.bytes).toBeGreaterThan(0);
      const back = await engine.query('SELECT * FROM o ORDER BY k', { o: { path: out, format: 'parquet' } });
      expect(back.rows).toEqual([['a', 10], ['b', 20]]);
      const outCsv = join(dir, 'out.csv');
      await engine.copyTo('SELECT * FROM o ORDER BY k', { o: { path: out, format: 'parquet' } }, { path: outCsv, format: 'csv' });
      const again = await engine.query('SELECT * FROM c ORDER BY k', { c: { path: outCsv, format: 'csv', csv: csv('k', 'v') } });
      expect(again.rows).toEqual([['a', 10], ['b', 20]]);
      const before = readdirSync(dir).length;
      await expect(engine.copyTo('SELECT no_such_column FROM t', { t: { path: p, format: 'csv', csv: csv('k', 'v') } }, { path: join(dir, 'bad.parquet'), format: 'parquet' })).rejects.toMatchObject({ code: 'ValidationException' });
      expect(existsSync(join(dir, 'bad.parquet'))).toBe(false);
      expect(readdirSync(dir).length).toBe(before);
    });

    it('keeps staging paths out of error messages', async () => {
      const p = file('g.csv', 'a\n1\n');
      const err = (await engine.query('SELECT missing FROM t', { t: { path: p, format: 'csv', csv: csv('a') } }).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: 'ValidationException' });
      expect(err.message).not.toContain(dir);
      expect(err.message).toMatch(/missing/);
    });

    it('takes a scalar expression over the row and names what else an expression holds (subquery, table function, settings, a FROM past a parenthesis)', async () => {
      for (const ok of ['a + 1', "CASE WHEN a > 1 THEN upper(b) ELSE b || '!' END", 'list_transform([a], x -> x * 2)[1]', 'row_number() OVER (ORDER BY a)', 'a -- a comment', 'CAST(a AS DOUBLE) BETWEEN 0 AND 1']) {
        expect(await engine.expressionProblem(ok), ok).toBeUndefined();
      }
      const refused: [string, RegExp][] = [
        ['(SELECT 1)', /subquery/], ["a IN (SELECT * FROM read_csv('/etc/passwd'))", /subquery/], ["EXISTS (FROM glob('/**'))", /subquery/],
        ["current_setting('allowed_directories')", /current_setting/], ["getvariable('x')", /getvariable/], ['COLUMNS(*)', /COLUMNS/],
        ["1) AS x, (SELECT 2", /subquery|second column/], ["a) FROM read_csv('/etc/passwd') WHERE (1", /FROM/], ['a /* open', /parse/], ["glob('/**')", /table function glob/],
      ];
      for (const [bad, why] of refused) expect(await engine.expressionProblem(bad), bad).toMatch(why);
    });
  });
}

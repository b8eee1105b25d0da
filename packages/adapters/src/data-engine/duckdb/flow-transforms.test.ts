import { describe, expect, it } from 'vitest';
import { transformList } from '@loam/core';
import { run, table } from './flow-transforms.test-support.js';

// Every expected table below is written by hand from the input table above it.
const people = () => table('id,name,age,city', { id: 'BIGINT', name: 'VARCHAR', age: 'DOUBLE', city: 'VARCHAR' },
  '1,Ann,30,Paris', '2,bob,,Lyon', '3,Cy,50,Paris', '4,Dee,40,');
const nums = () => table('k,x', { k: 'BIGINT', x: 'DOUBLE' }, '1,1', '2,2', '3,3', '4,4', '5,10');
const tested = new Set<string>();
const t = (name: string, fn: () => Promise<void>) => {
  tested.add(name);
  it(name, fn);
};

describe('flow transforms (DuckDB), each on a hand-written table', () => {
  t('drop_columns', async () => {
    const r = await run('drop_columns', { columns: ['name', 'city'] }, [people()]);
    expect(r.columns).toEqual(['id', 'age']);
    expect(r.rows).toEqual([[1, 30], [2, null], [3, 50], [4, 40]]);
  });
  t('select_columns', async () => {
    expect((await run('select_columns', { columns: ['city', 'id'] }, [people()], 'id')).rows).toEqual([['Paris', 1], ['Lyon', 2], ['Paris', 3], [null, 4]]);
  });
  t('rename_column', async () => {
    expect((await run('rename_column', { column: 'age', to: 'years' }, [people()])).columns).toEqual(['id', 'name', 'years', 'city']);
  });
  t('duplicate_column', async () => {
    const r = await run('duplicate_column', { column: 'x', to: 'x2' }, [nums()], 'k');
    expect(r.columns).toEqual(['k', 'x', 'x2']);
    expect(r.rows[4]).toEqual([5, 10, 10]);
  });
  t('reorder_columns', async () => {
    expect((await run('reorder_columns', { columns: ['city', 'age'] }, [people()])).columns).toEqual(['city', 'age', 'id', 'name']);
  });
  t('cast_column', async () => {
    const r = await run('cast_column', { column: 'v', type: 'BIGINT' }, [table('v', { v: 'VARCHAR' }, '7', 'x', '9')], 'v');
    expect(r.rows).toEqual([[7], [9], [null]]);
  });
  t('drop_missing', async () => {
    expect((await run('drop_missing', {}, [people()])).rows).toEqual([[1, 'Ann', 30, 'Paris'], [3, 'Cy', 50, 'Paris']]);
    expect((await run('drop_missing', { columns: ['age'] }, [people()])).rows.map((r) => r[0])).toEqual([1, 3, 4]);
  });
  t('impute_mean', async () => {
    expect((await run('impute_mean', { columns: ['age'] }, [people()], 'id')).rows.map((r) => r[2])).toEqual([30, 40, 50, 40]);
  });
  t('impute_median', async () => {
    const r = await run('impute_median', { columns: ['x'] }, [table('k,x', { k: 'BIGINT', x: 'DOUBLE' }, '1,1', '2,', '3,2', '4,100')], 'k');
    expect(r.rows.map((x) => x[1])).toEqual([1, 2, 2, 100]);
  });
  t('impute_mode', async () => {
    expect((await run('impute_mode', { columns: ['city'] }, [people()], 'id')).rows.map((r) => r[3])).toEqual(['Paris', 'Lyon', 'Paris', 'Paris']);
  });
  t('fill_constant', async () => {
    const r = await run('fill_constant', { columns: ['city'], value: 'Unknown' }, [people()], 'id');
    expect(r.rows.map((x) => x[3])).toEqual(['Paris', 'Lyon', 'Paris', 'Unknown']);
    expect((await run('fill_constant', { columns: ['age'], value: 0 }, [people()], 'id')).rows.map((x) => x[2])).toEqual([30, 0, 50, 40]);
  });
  const gaps = () => table('t,v', { t: 'BIGINT', v: 'DOUBLE' }, '3,', '1,5', '2,', '4,7', '5,');
  t('forward_fill', async () => {
    expect((await run('forward_fill', { columns: ['v'], orderBy: 't' }, [gaps()], 't')).rows).toEqual([[1, 5], [2, 5], [3, 5], [4, 7], [5, 7]]);
  });
  t('backward_fill', async () => {
    expect((await run('backward_fill', { columns: ['v'], orderBy: 't' }, [gaps()], 't')).rows).toEqual([[1, 5], [2, 7], [3, 7], [4, 7], [5, null]]);
  });
  t('one_hot', async () => {
    const r = await run('one_hot', { column: 'city' }, [people()], 'id');
    expect(r.columns).toEqual(['id', 'name', 'age', 'city_Lyon', 'city_Paris']);
    expect(r.rows.map((x) => x.slice(3))).toEqual([[0, 1], [1, 0], [0, 1], [0, 0]]);
  });
  t('ordinal_encode', async () => {
    expect((await run('ordinal_encode', { column: 'city' }, [people()], 'id')).rows.map((x) => x[3])).toEqual([1, 0, 1, null]);
  });
  t('frequency_encode', async () => {
    expect((await run('frequency_encode', { column: 'city' }, [people()], 'id')).rows.map((x) => x[3])).toEqual([0.5, 0.25, 0.5, 0.25]);
  });
  t('standard_scale', async () => {
    // mean 4, population std sqrt((9+4+1+0+36)/5) = sqrt(10)
    const r = await run('standard_scale', { columns: ['x'] }, [nums()], 'k');
    const s = Math.sqrt(10);
    r.rows.forEach((row, i) => expect(row[1]).toBeCloseTo(([1, 2, 3, 4, 10][i] as number - 4) / s, 12));
  });
  t('min_max_scale', async () => {
    expect((await run('min_max_scale', { columns: ['x'] }, [nums()], 'k')).rows.map((x) => x[1])).toEqual([0, 1 / 9, 2 / 9, 3 / 9, 1]);
  });
  t('robust_scale', async () => {
    // median 3, Q1 2, Q3 4 → (x − 3) / 2
    expect((await run('robust_scale', { columns: ['x'] }, [nums()], 'k')).rows.map((x) => x[1])).toEqual([-1, -0.5, 0, 0.5, 3.5]);
  });
  t('max_abs_scale', async () => {
    expect((await run('max_abs_scale', { columns: ['x'] }, [nums()], 'k')).rows.map((x) => x[1])).toEqual([0.1, 0.2, 0.3, 0.4, 1]);
  });
  t('log_transform', async () => {
    const r = await run('log_transform', { columns: ['x'] }, [nums()], 'k');
    expect(r.rows[0]?.[1]).toBeCloseTo(Math.log(2), 12);
    expect(r.rows[4]?.[1]).toBeCloseTo(Math.log(11), 12);
  });
  t('round', async () => {
    expect((await run('round', { columns: ['x'], decimals: 1 }, [table('x', { x: 'DOUBLE' }, '1.26', '2.04')], 'x')).rows).toEqual([[1.3], [2]]);
  });
  t('bin_equal_width', async () => {
    // min 1, max 10, 3 bins of width 3: [1,4) [4,7) [7,10]
    expect((await run('bin_equal_width', { column: 'x', bins: 3, to: 'b' }, [nums()], 'k')).rows.map((x) => x[2])).toEqual([0, 0, 0, 1, 2]);
  });
  t('bin_quantile', async () => {
    expect((await run('bin_quantile', { column: 'x', bins: 2, to: 'b' }, [table('x', { x: 'DOUBLE' }, '5', '1', '3', '2')], 'x')).rows).toEqual([[1, 0], [2, 0], [3, 1], [5, 1]]);
  });
  const words = () => table('id,s', { id: 'BIGINT', s: 'VARCHAR' }, '1,  Hello World ', '2,ab-12-cd', '3,');
  t('lower_case', async () => {
    expect((await run('lower_case', { columns: ['s'] }, [words()], 'id')).rows.map((x) => x[1])).toEqual(['  hello world ', 'ab-12-cd', null]);
  });
  t('upper_case', async () => {
    expect((await run('upper_case', { columns: ['s'] }, [words()], 'id')).rows.map((x) => x[1])).toEqual(['  HELLO WORLD ', 'AB-12-CD', null]);
  });
  t('trim', async () => {
    expect((await run('trim', { columns: ['s'] }, [words()], 'id')).rows.map((x) => x[1])).toEqual(['Hello World', 'ab-12-cd', null]);
  });
  t('regex_extract', async () => {
    expect((await run('regex_extract', { column: 's', pattern: '([0-9]+)', group: 1, to: 'n' }, [words()], 'id')).rows.map((x) => x[2])).toEqual([null, '12', null]);
  });
  t('regex_replace', async () => {
    expect((await run('regex_replace', { column: 's', pattern: '[0-9]', replacement: '#' }, [words()], 'id')).rows.map((x) => x[1])).toEqual(['  Hello World ', 'ab-##-cd', null]);
  });
  t('split_string', async () => {
    const r = await run('split_string', { column: 's', delimiter: '-', parts: 3 }, [words()], 'id');
    expect(r.columns).toEqual(['id', 's', 's_1', 's_2', 's_3']);
    expect(r.rows[1]).toEqual([2, 'ab-12-cd', 'ab', '12', 'cd']);
  });
  t('string_length', async () => {
    expect((await run('string_length', { column: 's', to: 'len' }, [words()], 'id')).rows.map((x) => x[2])).toEqual([14, 8, null]);
  });
  t('replace_value', async () => {
    expect((await run('replace_value', { column: 'city', from: 'Lyon', to: 'LYS' }, [people()], 'id')).rows.map((x) => x[3])).toEqual(['Paris', 'LYS', 'Paris', null]);
  });
  t('custom_formula', async () => {
    const r = await run('custom_formula', { expression: 'x * 2 + k', to: 'y' }, [nums()], 'k');
    expect(r.rows.map((x) => x[2])).toEqual([3, 6, 9, 12, 25]);
    const again = await run('custom_formula', { expression: 'x + 1', to: 'x' }, [nums()], 'k');
    expect(again.columns).toEqual(['k', 'x']);
    expect(again.rows.map((x) => x[1])).toEqual([2, 3, 4, 5, 11]);
    await expect(run('custom_formula', { expression: '1; DROP TABLE x', to: 'y' }, [nums()])).rejects.toMatchObject({ code: 'ValidationException' });
  });
  t('filter_rows', async () => {
    expect((await run('filter_rows', { condition: "age >= 40 OR city = 'Lyon'" }, [people()])).rows.map((x) => x[0])).toEqual([2, 3, 4]);
  });
  t('dedupe', async () => {
    const d = () => table('a,b', { a: 'BIGINT', b: 'VARCHAR' }, '1,x', '1,x', '1,y', '2,x');
    expect((await run('dedupe', {}, [d()])).rows).toEqual([[1, 'x'], [1, 'y'], [2, 'x']]);
    expect((await run('dedupe', { columns: ['a'] }, [d()])).rows.map((x) => x[0])).toEqual([1, 2]);
  });
  t('sample', async () => {
    const a = await run('sample', { rows: 3, seed: 7 }, [nums()]);
    const b = await run('sample', { rows: 3, seed: 7 }, [nums()]);
    expect(a.rows).toHaveLength(3);
    expect(a.rows).toEqual(b.rows);
    expect((await run('sample', { fraction: 1 }, [nums()])).rows).toHaveLength(5);
    expect((await run('sample', { fraction: 0 }, [nums()])).rows).toHaveLength(0);
  });
  t('head', async () => {
    expect((await run('head', { rows: 2, orderBy: 'x' }, [nums()], null)).rows).toEqual([[1, 1], [2, 2]]);
  });
  t('sort_rows', async () => {
    expect((await run('sort_rows', { columns: ['x'], descending: true }, [nums()], null)).rows.map((x) => x[0])).toEqual([5, 4, 3, 2, 1]);
  });
  const many = () => table('k,y,t', { k: 'BIGINT', y: 'VARCHAR', t: 'BIGINT' }, ...Array.from({ length: 20 }, (_, i) => `${i},${i < 10 ? 'a' : 'b'},${100 - i}`));
  t('split_random', async () => {
    const all = await run('split_random', { trainFraction: 0.5, seed: 1 }, [many()], 'k');
    expect(all.columns).toEqual(['k', 'y', 't', 'split']);
    expect(new Set(all.rows.map((x) => x[3]))).toEqual(new Set(['train', 'test']));
    const train = await run('split_random', { trainFraction: 0.5, seed: 1, keep: 'train' }, [many()], 'k');
    const test = await run('split_random', { trainFraction: 0.5, seed: 1, keep: 'test' }, [many()], 'k');
    expect(train.rows.length + test.rows.length).toBe(20);
    expect(train.rows.map((x) => x[0])).toEqual(all.rows.filter((x) => x[3] === 'train').map((x) => x[0]));
    expect((await run('split_random', { trainFraction: 1 }, [many()])).rows.every((x) => x[3] === 'train')).toBe(true);
  });
  t('split_stratified', async () => {
    const r = await run('split_stratified', { label: 'y', trainFraction: 0.8, seed: 3 }, [many()], 'k');
    // Each class of 10 rows: exactly 8 train, 2 test.
    for (const cls of ['a', 'b']) expect(r.rows.filter((x) => x[1] === cls && x[3] === 'train')).toHaveLength(8);
  });
  t('split fractions that add up to 1 in decimal (0.8 + 0.2, 0.7 + 0.3) are taken, with no test part; more than 1 is refused naming the param', async () => {
    for (const [train, validation, n] of [[0.8, 0.2, 8], [0.7, 0.3, 7]] as const) {
      const r = await run('split_stratified', { label: 'y', trainFraction: train, validationFraction: validation, seed: 3 }, [many()], 'k');
      for (const cls of ['a', 'b']) expect(r.rows.filter((x) => x[1] === cls && x[3] === 'train')).toHaveLength(n);
      expect(r.rows.filter((x) => x[3] === 'test')).toHaveLength(0);
      expect((await run('split_random', { trainFraction: train, validationFraction: validation, seed: 1 }, [many()], 'k')).rows.filter((x) => x[3] === 'test')).toHaveLength(0);
    }
    await expect(run('split_random', { trainFraction: 0.8, validationFraction: 0.3 }, [many()])).rejects.toThrow(/param 'validationFraction' must be ≤ 1 - trainFraction \(0\.8\)/);
  });
  t('split_by_time', async () => {
    const r = await run('split_by_time', { timeColumn: 't', trainFraction: 0.75, validationFraction: 0.15 }, [many()], 't');
    // t ascending = k descending: the 15 earliest train, next 3 validation, last 2 test.
    expect(r.rows.map((x) => x[3])).toEqual([...Array(15).fill('train'), ...Array(3).fill('validation'), 'test', 'test']);
  });
  const left = () => table('id,a', { id: 'BIGINT', a: 'VARCHAR' }, '1,x', '2,y', '3,z');
  const right = () => table('id,b', { id: 'BIGINT', b: 'DOUBLE' }, '2,20', '3,30', '4,40');
  t('join', async () => {
    expect((await run('join', { leftKeys: ['id'] }, [left(), right()])).rows).toEqual([[2, 'y', 20], [3, 'z', 30]]);
    expect((await run('join', { how: 'left', leftKeys: ['id'] }, [left(), right()])).rows).toEqual([[1, 'x', null], [2, 'y', 20], [3, 'z', 30]]);
    expect((await run('join', { how: 'full', leftKeys: ['id'] }, [left(), right()])).rows).toEqual([[1, 'x', null], [2, 'y', 20], [3, 'z', 30], [4, null, 40]]);
    expect((await run('join', { how: 'anti', leftKeys: ['id'] }, [left(), right()])).rows).toEqual([[1, 'x']]);
    expect((await run('join', { how: 'semi', leftKeys: ['id'] }, [left(), right()])).rows).toEqual([[2, 'y'], [3, 'z']]);
  });
  t('concatenate', async () => {
    const r = await run('concatenate', {}, [left(), table('a,id', { a: 'VARCHAR', id: 'BIGINT' }, 'w,9')], 'id');
    expect(r.rows).toEqual([[1, 'x'], [2, 'y'], [3, 'z'], [9, 'w']]);
  });
  t('group_by', async () => {
    const r = await run('group_by', { keys: ['city'], aggregations: [{ column: 'age', fn: 'mean' }, { column: 'id', fn: 'count', as: 'n' }] }, [people()], 'city NULLS LAST');
    expect(r.columns).toEqual(['city', 'mean_age', 'n']);
    expect(r.rows).toEqual([['Lyon', null, 1], ['Paris', 40, 2], [null, 40, 1]]);
  });
  const times = () => table('id,ts,end', { id: 'BIGINT', ts: 'VARCHAR', end: 'TIMESTAMP' }, '1,03/02/2024 10:30,2024-02-05 10:30:00', '2,bad,2024-01-01 00:00:00');
  t('parse_datetime', async () => {
    expect((await run('parse_datetime', { column: 'ts', format: '%d/%m/%Y %H:%M' }, [times()], 'id')).rows.map((x) => x[1])).toEqual(['2024-02-03 10:30:00', null]);
  });
  t('datetime_features', async () => {
    const r = await run('datetime_features', { column: 'end', features: ['year', 'month', 'day', 'dayofweek', 'hour'] }, [times()], 'id');
    // 2024-02-05 is a Monday.
    expect(r.rows[0]?.slice(3)).toEqual([2024, 2, 5, 1, 10]);
  });
  t('date_diff', async () => {
    const r = await run('date_diff', { start: 'a', end: 'b', unit: 'day', to: 'd' }, [table('a,b', { a: 'DATE', b: 'DATE' }, '2024-01-01,2024-03-01')]);
    expect(r.rows[0]?.[2]).toBe(60);
  });
  const spread = () => table('x', { x: 'DOUBLE' }, '1', '2', '3', '4', '100');
  t('clip_std', async () => {
    // mean 22, population std sqrt((441+400+361+324+6084)/5) = sqrt(1522) ≈ 39.01; k = 1 → [−17.01, 61.01]
    const r = await run('clip_std', { columns: ['x'], k: 1 }, [spread()], 'x');
    expect(r.rows.slice(0, 4).map((x) => x[0])).toEqual([1, 2, 3, 4]);
    expect(r.rows[4]?.[0]).toBeCloseTo(22 + Math.sqrt(1522), 9);
  });
  t('clip_quantile', async () => {
    // quantile_cont 0.25 = 2, 0.75 = 4
    expect((await run('clip_quantile', { columns: ['x'], lower: 0.25, upper: 0.75 }, [spread()], 'x')).rows.map((x) => x[0])).toEqual([2, 2, 3, 4, 4]);
  });
  t('drop_outliers_iqr', async () => {
    // Q1 2, Q3 4, IQR 2 → fences [−1, 7]: 100 goes.
    expect((await run('drop_outliers_iqr', { columns: ['x'] }, [spread()], 'x')).rows.map((x) => x[0])).toEqual([1, 2, 3, 4]);
  });
  const skewed = () => table('id,y', { id: 'BIGINT', y: 'VARCHAR' }, '1,a', '2,a', '3,a', '4,a', '5,a', '6,b', '7,b');
  t('oversample', async () => {
    const r = await run('oversample', { label: 'y', seed: 1 }, [skewed()]);
    expect(r.rows.filter((x) => x[1] === 'a')).toHaveLength(5);
    expect(r.rows.filter((x) => x[1] === 'b')).toHaveLength(5);
    // 2 b rows to 5: each twice, one of them a third time.
    const counts = [6, 7].map((id) => r.rows.filter((x) => x[0] === id).length).sort();
    expect(counts).toEqual([2, 3]);
  });
  t('undersample', async () => {
    const r = await run('undersample', { label: 'y', seed: 1 }, [skewed()]);
    expect(r.rows.filter((x) => x[1] === 'a')).toHaveLength(2);
    expect(r.rows.filter((x) => x[1] === 'b').map((x) => x[0])).toEqual([6, 7]);
  });

  it('covers every transform in the catalogue (at least 40)', () => {
    expect(transformList.length).toBeGreaterThanOrEqual(40);
    expect(transformList.map((x) => x.name).filter((n) => !tested.has(n))).toEqual([]);
  });

  it('refuses bad params naming the node and param', async () => {
    await expect(run('drop_columns', {}, [nums()])).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/node 't'.*columns/) });
  });
});

import { num, q, S, str, type TransformDef } from './transform.js';

/** Balance data: random over- and under-sampling to equal class counts. */
export const balanceTransforms: TransformDef[] = [
  {
    name: 'oversample', group: 'Balance data', summary: 'Repeats rows of smaller classes (whole copies, then a seeded random remainder) until every class has the largest class’s count.', inputs: 1,
    params: S.obj({ label: S.col('Label column'), seed: S.num('Seed', 42) }, ['label']),
    compile: (c) => {
      const y = q(str(c, 'label'));
      const seed = Math.trunc(num(c, 'seed', 42));
      // Each row of a class of size n is copied floor(M / n) times; the first (M mod n) rows in a
      // seeded order get one copy more, so every class ends with exactly M rows.
      return `WITH t AS (SELECT t.*, count(*) OVER (PARTITION BY ${y}) AS __n, row_number() OVER (PARTITION BY ${y} ORDER BY hash(t, ${seed})) AS __r FROM ${c.inputs[0]} AS t),
        m AS (SELECT *, max(__n) OVER () AS __m FROM t)
        SELECT m.* EXCLUDE (__n, __r, __m) FROM m, range(CAST(ceil(__m / __n) AS BIGINT)) AS k(i)
        WHERE i < __m // __n OR (i = __m // __n AND __r <= __m % __n)`;
    },
  },
  {
    name: 'undersample', group: 'Balance data', summary: 'Keeps a seeded random subset of every class, as many rows as the smallest class has.', inputs: 1,
    params: S.obj({ label: S.col('Label column'), seed: S.num('Seed', 42) }, ['label']),
    compile: (c) => {
      const y = q(str(c, 'label'));
      const seed = Math.trunc(num(c, 'seed', 42));
      return `SELECT * EXCLUDE (__n, __r) FROM (SELECT t.*, count(*) OVER (PARTITION BY ${y}) AS __n, row_number() OVER (PARTITION BY ${y} ORDER BY hash(t, ${seed})) AS __r FROM ${c.inputs[0]} AS t)
        QUALIFY __r <= min(__n) OVER ()`;
    },
  },
];

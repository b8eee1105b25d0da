import { fail, num, oneOf, optStr, q, rowUniform, S, str, type TransformContext, type TransformDef } from './transform.js';

const splitParams = (extra: Record<string, unknown>, required: string[]) => S.obj({
  ...extra,
  trainFraction: S.num('Share of rows in train', 0.8),
  validationFraction: S.num('Share of rows in validation', 0),
  seed: S.num('Seed', 42),
  column: S.col('Name of the added split column (train / validation / test)'),
  keep: S.enum(['all', 'train', 'validation', 'test'], 'Keep only one part (and drop the split column)', 'all'),
}, required);

/** Fractions that sum to 1 up to this are taken as 1 (0.8 + 0.2, whose `1 - 0.8` is 0.19999999999999996). */
const SUM_TOLERANCE = 1e-9;

/** Maps a uniform `u` in [0, 1) to a part name by the fractions. */
function parts(c: TransformContext, u: string): string {
  const tr = num(c, 'trainFraction', 0.8, { min: 0, max: 1 });
  const va = num(c, 'validationFraction', 0, { min: 0, max: 1 });
  if (tr + va > 1 + SUM_TOLERANCE) fail(c, 'validationFraction', `must be ≤ 1 - trainFraction (${tr}): the two shares add up to more than all the rows`);
  // Shares that add up to 1 leave no test part, not a sliver of rows rounding put there.
  const trainAndValidation = tr + va >= 1 - SUM_TOLERANCE ? 1 : tr + va;
  return `CASE WHEN ${u} < ${tr} THEN 'train' WHEN ${u} < ${trainAndValidation} THEN 'validation' ELSE 'test' END`;
}

function finish(c: TransformContext, inner: string): string {
  const col = optStr(c, 'column') ?? 'split';
  const keep = oneOf(c, 'keep', ['all', 'train', 'validation', 'test'], 'all');
  if (keep === 'all') return inner;
  return `SELECT * EXCLUDE (${q(col)}) FROM (${inner}) WHERE ${q(col)} = '${keep}'`;
}

/** Split data: random, stratified, by time. Adds a `split` column (or keeps one part). */
export const splitTransforms: TransformDef[] = [
  {
    name: 'split_random', group: 'Split data', summary: 'Assigns rows at random (seeded, by row content) to train / validation / test.', inputs: 1,
    params: splitParams({}, []),
    compile: (c) => {
      const col = q(optStr(c, 'column') ?? 'split');
      return finish(c, `SELECT t.*, ${parts(c, rowUniform('t', num(c, 'seed', 42)))} AS ${col} FROM ${c.inputs[0]} AS t`);
    },
  },
  {
    name: 'split_stratified', group: 'Split data', summary: 'Splits each class of a label column in the same proportions.', inputs: 1,
    params: splitParams({ label: S.col('Label column') }, ['label']),
    compile: (c) => {
      const col = q(optStr(c, 'column') ?? 'split');
      const y = q(str(c, 'label'));
      const u = `((row_number() OVER (PARTITION BY ${y} ORDER BY hash(t, ${Math.trunc(num(c, 'seed', 42))})) - 1)::DOUBLE / count(*) OVER (PARTITION BY ${y}))`;
      return finish(c, `SELECT t.*, ${parts(c, u)} AS ${col} FROM ${c.inputs[0]} AS t`);
    },
  },
  {
    name: 'split_by_time', group: 'Split data', summary: 'Earliest rows to train, then validation, latest to test, by a time column.', inputs: 1,
    params: splitParams({ timeColumn: S.col('Time column') }, ['timeColumn']),
    compile: (c) => {
      const col = q(optStr(c, 'column') ?? 'split');
      const u = `((row_number() OVER (ORDER BY ${q(str(c, 'timeColumn'))}) - 1)::DOUBLE / count(*) OVER ())`;
      return finish(c, `SELECT t.*, ${parts(c, u)} AS ${col} FROM ${c.inputs[0]} AS t`);
    },
  },
];

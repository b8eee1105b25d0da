import { num, optStr, q, S, str, type TransformDef } from './transform.js';

/** Binning: equal width, equal frequency (quantile). */
export const binningTransforms: TransformDef[] = [
  {
    name: 'bin_equal_width', group: 'Process numeric', summary: 'Bins a number into n equal-width bins 0…n−1 between its min and max.', inputs: 1,
    params: S.obj({ column: S.col(), bins: S.num('Number of bins', 10), to: S.col('Output column (default: replace)') }, ['column']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      const n = num(c, 'bins', 10, { integer: true, min: 1, max: 10000 });
      const lo = c.stat(`min(${x})`);
      const e = `least(floor((${x} - ${lo}) * ${n} / nullif(${c.stat(`max(${x})`)} - ${lo}, 0)), ${n - 1})::INTEGER`;
      const to = optStr(c, 'to');
      return to ? `SELECT *, coalesce(${e}, CASE WHEN ${x} IS NULL THEN NULL ELSE 0 END) AS ${q(to)} FROM ${c.inputs[0]}` : `SELECT * REPLACE (coalesce(${e}, CASE WHEN ${x} IS NULL THEN NULL ELSE 0 END) AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'bin_quantile', group: 'Process numeric', summary: 'Bins a number into n bins of (nearly) equal row counts, 0…n−1, in value order.', inputs: 1,
    params: S.obj({ column: S.col(), bins: S.num('Number of bins', 4), to: S.col('Output column (default: replace)') }, ['column']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      const n = num(c, 'bins', 4, { integer: true, min: 1, max: 10000 });
      const e = `CASE WHEN ${x} IS NULL THEN NULL ELSE ntile(${n}) OVER (PARTITION BY ${x} IS NULL ORDER BY ${x}) - 1 END`;
      const to = optStr(c, 'to');
      return to ? `SELECT *, ${e} AS ${q(to)} FROM ${c.inputs[0]}` : `SELECT * REPLACE (${e} AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
];

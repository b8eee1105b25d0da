import { num, q, replaceEach, S, strs, type TransformDef } from './transform.js';

/** Outliers: clip by standard deviations or by quantiles; drop rows outside the IQR fences. */
export const outlierTransforms: TransformDef[] = [
  {
    name: 'clip_std', group: 'Handle outliers', summary: 'Clips values to mean ± k population standard deviations.', inputs: 1,
    params: S.obj({ columns: S.cols(), k: S.num('Standard deviations', 3) }, ['columns']),
    compile: (c) => {
      const k = num(c, 'k', 3, { min: 0 });
      return replaceEach(c, strs(c, 'columns'), (x) => {
        const m = c.stat(`avg(${x})`);
        const sd = c.stat(`stddev_pop(${x})`);
        return `greatest(least(${x}, ${m} + ${k} * ${sd}), ${m} - ${k} * ${sd})`;
      });
    },
  },
  {
    name: 'clip_quantile', group: 'Handle outliers', summary: 'Clips values to the [lower, upper] quantiles (linear interpolation, as numpy).', inputs: 1,
    params: S.obj({ columns: S.cols(), lower: S.num('Lower quantile', 0.01), upper: S.num('Upper quantile', 0.99) }, ['columns']),
    compile: (c) => {
      const lo = num(c, 'lower', 0.01, { min: 0, max: 1 });
      const hi = num(c, 'upper', 0.99, { min: lo, max: 1 });
      return replaceEach(c, strs(c, 'columns'), (x) => `greatest(least(${x}, ${c.stat(`quantile_cont(${x}, ${hi})`)}), ${c.stat(`quantile_cont(${x}, ${lo})`)})`);
    },
  },
  {
    name: 'drop_outliers_iqr', group: 'Handle outliers', summary: 'Drops rows with a value outside [Q1 − k·IQR, Q3 + k·IQR] (missing values are kept).', inputs: 1,
    params: S.obj({ columns: S.cols(), k: S.num('IQR multiplier', 1.5) }, ['columns']),
    compile: (c) => {
      const k = num(c, 'k', 1.5, { min: 0 });
      const cols = strs(c, 'columns');
      const keep = cols.map((name) => {
        const x = q(name);
        const q1 = c.stat(`quantile_cont(${x}, 0.25)`);
        const q3 = c.stat(`quantile_cont(${x}, 0.75)`);
        return `(${x} IS NULL OR ${x} BETWEEN ${q1} - ${k} * (${q3} - ${q1}) AND ${q3} + ${k} * (${q3} - ${q1}))`;
      }).join(' AND ');
      return `SELECT * FROM ${c.inputs[0]} WHERE ${keep}`;
    },
  },
];

import { num, replaceEach, S, strs, type TransformDef } from './transform.js';

/** Outliers: clip by standard deviations or by quantiles; drop rows outside the IQR fences. */
export const outlierTransforms: TransformDef[] = [
  {
    name: 'clip_std', group: 'Handle outliers', summary: 'Clips values to mean ± k population standard deviations.', inputs: 1,
    params: S.obj({ columns: S.cols(), k: S.num('Standard deviations', 3) }, ['columns']),
    compile: (c) => {
      const k = num(c, 'k', 3, { min: 0 });
      return replaceEach(c, strs(c, 'columns'), (x) => `greatest(least(${x}, avg(${x}) OVER () + ${k} * stddev_pop(${x}) OVER ()), avg(${x}) OVER () - ${k} * stddev_pop(${x}) OVER ())`);
    },
  },
  {
    name: 'clip_quantile', group: 'Handle outliers', summary: 'Clips values to the [lower, upper] quantiles (linear interpolation, as numpy).', inputs: 1,
    params: S.obj({ columns: S.cols(), lower: S.num('Lower quantile', 0.01), upper: S.num('Upper quantile', 0.99) }, ['columns']),
    compile: (c) => {
      const lo = num(c, 'lower', 0.01, { min: 0, max: 1 });
      const hi = num(c, 'upper', 0.99, { min: lo, max: 1 });
      return replaceEach(c, strs(c, 'columns'), (x) => `greatest(least(${x}, quantile_cont(${x}, ${hi}) OVER ()), quantile_cont(${x}, ${lo}) OVER ())`);
    },
  },
  {
    name: 'drop_outliers_iqr', group: 'Handle outliers', summary: 'Drops rows with a value outside [Q1 − k·IQR, Q3 + k·IQR] (missing values are kept).', inputs: 1,
    params: S.obj({ columns: S.cols(), k: S.num('IQR multiplier', 1.5) }, ['columns']),
    compile: (c) => {
      const k = num(c, 'k', 1.5, { min: 0 });
      const cols = strs(c, 'columns');
      const fences = cols.map((x, i) => `quantile_cont("${x.replace(/"/g, '""')}", 0.25) OVER () AS __q1_${i}, quantile_cont("${x.replace(/"/g, '""')}", 0.75) OVER () AS __q3_${i}`).join(', ');
      const keep = cols.map((x, i) => `("${x.replace(/"/g, '""')}" IS NULL OR "${x.replace(/"/g, '""')}" BETWEEN __q1_${i} - ${k} * (__q3_${i} - __q1_${i}) AND __q3_${i} + ${k} * (__q3_${i} - __q1_${i}))`).join(' AND ');
      return `SELECT * EXCLUDE (${cols.map((_, i) => `__q1_${i}, __q3_${i}`).join(', ')}) FROM (SELECT *, ${fences} FROM ${c.inputs[0]}) WHERE ${keep}`;
    },
  },
];

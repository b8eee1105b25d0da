import { num, replaceEach, S, strs, type TransformDef } from './transform.js';

const colsParam = S.obj({ columns: S.cols() }, ['columns']);

/** Numeric processing: scalers (as scikit-learn's, population statistics) and a log transform. */
export const scalingTransforms: TransformDef[] = [
  {
    name: 'standard_scale', group: 'Process numeric', summary: 'Centres on the mean and divides by the (population) standard deviation, as StandardScaler.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `(${x} - ${c.stat(`avg(${x})`)}) / nullif(${c.stat(`stddev_pop(${x})`)}, 0)`),
  },
  {
    name: 'min_max_scale', group: 'Process numeric', summary: 'Maps the column onto [0, 1], as MinMaxScaler.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => {
      const lo = c.stat(`min(${x})`);
      return `(${x} - ${lo}) / nullif(${c.stat(`max(${x})`)} - ${lo}, 0)`;
    }),
  },
  {
    name: 'robust_scale', group: 'Process numeric', summary: 'Subtracts the median and divides by the interquartile range, as RobustScaler.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `(${x} - ${c.stat(`median(${x})`)}) / nullif(${c.stat(`quantile_cont(${x}, 0.75)`)} - ${c.stat(`quantile_cont(${x}, 0.25)`)}, 0)`),
  },
  {
    name: 'max_abs_scale', group: 'Process numeric', summary: 'Divides by the largest absolute value, as MaxAbsScaler.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `${x} / nullif(${c.stat(`max(abs(${x}))`)}, 0)`),
  },
  {
    name: 'log_transform', group: 'Process numeric', summary: 'ln(x + offset); offset 1 is log1p.', inputs: 1,
    params: S.obj({ columns: S.cols(), offset: S.num('Added before the log', 1) }, ['columns']),
    compile: (c) => {
      const off = num(c, 'offset', 1);
      return replaceEach(c, strs(c, 'columns'), (x) => `ln(${x} + ${off})`);
    },
  },
  {
    name: 'round', group: 'Process numeric', summary: 'Rounds to a number of decimals.', inputs: 1,
    params: S.obj({ columns: S.cols(), decimals: S.num('Decimals', 0) }, ['columns']),
    compile: (c) => {
      const d = num(c, 'decimals', 0, { integer: true, min: 0, max: 15 });
      return replaceEach(c, strs(c, 'columns'), (x) => `round(${x}, ${d})`);
    },
  },
];

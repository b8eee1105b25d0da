import { q, replaceEach, S, scalar, str, strs, type TransformDef } from './transform.js';

const colsParam = S.obj({ columns: S.cols() }, ['columns']);

/** Missing values: drop, impute (mean, median, mode, constant), forward and backward fill. */
export const missingTransforms: TransformDef[] = [
  {
    name: 'drop_missing', group: 'Handle missing', summary: 'Drops rows with a missing value in these columns (all columns when none are listed).', inputs: 1,
    params: S.obj({ columns: S.cols('Columns to check (default: all)') }),
    compile: (c) => {
      const cols = strs(c, 'columns', { optional: true });
      const cond = cols.length === 0 ? 'COLUMNS(*) IS NOT NULL' : cols.map((x) => `${q(x)} IS NOT NULL`).join(' AND ');
      return `SELECT * FROM ${c.inputs[0]} WHERE ${cond}`;
    },
  },
  {
    name: 'impute_mean', group: 'Handle missing', summary: 'Fills missing numbers with the column mean.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `coalesce(${x}, ${c.stat(`avg(${x})`)})`),
  },
  {
    name: 'impute_median', group: 'Handle missing', summary: 'Fills missing numbers with the column median.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `coalesce(${x}, ${c.stat(`median(${x})`)})`),
  },
  {
    name: 'impute_mode', group: 'Handle missing', summary: 'Fills missing values with the most frequent value.', inputs: 1, params: colsParam,
    compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `coalesce(${x}, ${c.stat(`mode(${x})`)})`),
  },
  {
    name: 'fill_constant', group: 'Handle missing', summary: 'Fills missing values with a constant.', inputs: 1,
    params: S.obj({ columns: S.cols(), value: S.any('The value (number, string or boolean)') }, ['columns', 'value']),
    compile: (c) => {
      const v = scalar(c, 'value');
      return replaceEach(c, strs(c, 'columns'), (x) => `coalesce(${x}, ${v})`);
    },
  },
  {
    name: 'forward_fill', group: 'Handle missing', summary: 'Fills a missing value with the last present one, in the order of a column.', inputs: 1,
    params: S.obj({ columns: S.cols(), orderBy: S.col('Order column (a time or row number)') }, ['columns', 'orderBy']),
    compile: (c) => {
      const o = q(str(c, 'orderBy'));
      return replaceEach(c, strs(c, 'columns'), (x) => `last_value(${x} IGNORE NULLS) OVER (ORDER BY ${o} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
    },
  },
  {
    name: 'backward_fill', group: 'Handle missing', summary: 'Fills a missing value with the next present one, in the order of a column.', inputs: 1,
    params: S.obj({ columns: S.cols(), orderBy: S.col('Order column') }, ['columns', 'orderBy']),
    compile: (c) => {
      const o = q(str(c, 'orderBy'));
      return replaceEach(c, strs(c, 'columns'), (x) => `first_value(${x} IGNORE NULLS) OVER (ORDER BY ${o} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)`);
    },
  },
];

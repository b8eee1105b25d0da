import { bool, expr, lit, num, q, S, str, strs, type TransformDef } from './transform.js';

/** Rows: custom formula, filter, dedupe, sample, head, sort. */
export const rowTransforms: TransformDef[] = [
  {
    name: 'custom_formula', group: 'Custom formula', summary: 'Adds (or replaces) a column computed by a DuckDB SQL expression over the row.', inputs: 1,
    params: S.obj({ expression: S.str('SQL expression, e.g. price * quantity'), to: S.col('Output column') }, ['expression', 'to']),
    expressions: ['expression'],
    compile: async (c) => {
      const to = str(c, 'to');
      // COLUMNS with a lambda drops an existing column of that name without failing when there is none.
      return `SELECT COLUMNS(c -> c <> ${lit(to)} AND c <> '__loam_formula'), __loam_formula AS ${q(to)} FROM (SELECT *, ${await expr(c, 'expression')} AS __loam_formula FROM ${c.inputs[0]})`;
    },
  },
  {
    name: 'filter_rows', group: 'Manage rows', summary: 'Keeps rows where a SQL condition holds.', inputs: 1,
    params: S.obj({ condition: S.str('SQL condition, e.g. age >= 18 AND country = \'FR\'') }, ['condition']),
    expressions: ['condition'],
    compile: async (c) => `SELECT * FROM ${c.inputs[0]} WHERE ${await expr(c, 'condition')}`,
  },
  {
    name: 'dedupe', group: 'Manage rows', summary: 'Drops duplicate rows (whole rows, or rows equal on these columns — the first in their order is kept).', inputs: 1,
    params: S.obj({ columns: S.cols('Key columns (default: whole row)') }),
    compile: (c) => {
      const cols = strs(c, 'columns', { optional: true });
      if (cols.length === 0) return `SELECT DISTINCT * FROM ${c.inputs[0]}`;
      const k = cols.map(q).join(', ');
      return `SELECT * FROM ${c.inputs[0]} QUALIFY row_number() OVER (PARTITION BY ${k} ORDER BY ${k}) = 1`;
    },
  },
  {
    name: 'sample', group: 'Sampling', summary: 'A seeded random sample: a number of rows (reservoir) or a fraction (Bernoulli).', inputs: 1,
    params: S.obj({ rows: S.num('Rows to keep'), fraction: S.num('Fraction of rows to keep (0–1)'), seed: S.num('Seed', 42) }),
    compile: (c) => {
      const seed = num(c, 'seed', 42, { integer: true, min: 0 });
      if (c.params['rows'] !== undefined) return `SELECT * FROM ${c.inputs[0]} USING SAMPLE reservoir(${num(c, 'rows', undefined, { integer: true, min: 1 })} ROWS) REPEATABLE (${seed})`;
      const f = num(c, 'fraction', 0.1, { min: 0, max: 1 });
      return `SELECT * FROM ${c.inputs[0]} USING SAMPLE bernoulli(${f * 100} PERCENT) REPEATABLE (${seed})`;
    },
  },
  {
    name: 'head', group: 'Sampling', summary: 'The first rows (in the order of a column, when given).', inputs: 1,
    params: S.obj({ rows: S.num('Rows to keep', 100), orderBy: S.col('Order column (optional)') }),
    compile: (c) => {
      const o = c.params['orderBy'];
      return `SELECT * FROM ${c.inputs[0]}${typeof o === 'string' && o ? ` ORDER BY ${q(o)}` : ''} LIMIT ${num(c, 'rows', 100, { integer: true, min: 1 })}`;
    },
  },
  {
    name: 'sort_rows', group: 'Manage rows', summary: 'Sorts rows by columns.', inputs: 1,
    params: S.obj({ columns: S.cols(), descending: S.bool('Descending order', false) }, ['columns']),
    compile: (c) => {
      const dir = bool(c, 'descending', false) ? 'DESC' : 'ASC';
      return `SELECT * FROM ${c.inputs[0]} ORDER BY ${strs(c, 'columns').map((x) => `${q(x)} ${dir}`).join(', ')}`;
    },
  },
];

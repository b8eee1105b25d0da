import { bool, fail, oneOf, q, S, str, strs, type TransformDef } from './transform.js';

const aggFns = { sum: 'sum', mean: 'avg', min: 'min', max: 'max', count: 'count', count_distinct: 'count', median: 'median', std: 'stddev_samp', first: 'first' } as const;
type AggFn = keyof typeof aggFns;

/** Join, concatenate, group-by. */
export const combineTransforms: TransformDef[] = [
  {
    name: 'join', group: 'Join', summary: 'Joins two inputs on key columns (inner, left, right, full, semi, anti, cross).', inputs: 2,
    params: S.obj({
      how: S.enum(['inner', 'left', 'right', 'full', 'semi', 'anti', 'cross'], 'Join type', 'inner'),
      leftKeys: S.cols('Key columns of the first input'), rightKeys: S.cols('Key columns of the second input (default: same names)'),
    }, []),
    compile: (c) => {
      const how = oneOf(c, 'how', ['inner', 'left', 'right', 'full', 'semi', 'anti', 'cross'], 'inner');
      const [l, r] = c.inputs as [string, string];
      if (how === 'cross') return `SELECT * FROM ${l} AS l CROSS JOIN ${r} AS r`;
      const lk = strs(c, 'leftKeys');
      const rk = c.params['rightKeys'] === undefined ? lk : strs(c, 'rightKeys');
      if (rk.length !== lk.length) fail(c, 'rightKeys', 'must have as many columns as leftKeys');
      const on = lk.map((k, i) => `l.${q(k)} IS NOT DISTINCT FROM r.${q(rk[i] as string)}`).join(' AND ');
      if (how === 'semi' || how === 'anti') return `SELECT l.* FROM ${l} AS l ${how.toUpperCase()} JOIN ${r} AS r ON ${on}`;
      // The right keys are dropped (they equal the left ones), except in right/full joins where the
      // left side may be missing: there the keys are coalesced.
      const keys = lk.map((k, i) => (how === 'right' || how === 'full' ? `coalesce(l.${q(k)}, r.${q(rk[i] as string)}) AS ${q(k)}` : `l.${q(k)}`));
      return `SELECT ${keys.join(', ')}, l.* EXCLUDE (${lk.map(q).join(', ')}), r.* EXCLUDE (${rk.map(q).join(', ')}) FROM ${l} AS l ${how.toUpperCase()} JOIN ${r} AS r ON ${on}`;
    },
  },
  {
    name: 'concatenate', group: 'Concatenate', summary: 'Stacks the rows of two inputs, matching columns by name (missing ones become null).', inputs: 2,
    params: S.obj({ byName: S.bool('Match columns by name (else by position)', true) }),
    compile: (c) => `SELECT * FROM ${c.inputs[0]} UNION ALL ${bool(c, 'byName', true) ? 'BY NAME ' : ''}SELECT * FROM ${c.inputs[1]}`,
  },
  {
    name: 'group_by', group: 'Group by', summary: 'Aggregates rows by key columns (sum, mean, min, max, count, count_distinct, median, std, first).', inputs: 1,
    params: S.obj({
      keys: S.cols('Group keys'),
      aggregations: { type: 'array', items: S.obj({ column: S.col(), fn: S.enum(Object.keys(aggFns), 'Aggregate'), as: S.col('Output name (default <fn>_<column>)') }, ['column', 'fn']), minItems: 1 },
    }, ['keys', 'aggregations']),
    compile: (c) => {
      const keys = strs(c, 'keys').map(q);
      const aggs = c.params['aggregations'];
      if (!Array.isArray(aggs) || aggs.length === 0) fail(c, 'aggregations', 'must be a non-empty list');
      const outs = (aggs as Record<string, unknown>[]).map((a, i) => {
        const ctx = { ...c, params: a, nodeId: `${c.nodeId}.aggregations.${i}` };
        const col = str(ctx, 'column');
        const fn = oneOf(ctx, 'fn', Object.keys(aggFns) as AggFn[]);
        const name = typeof a['as'] === 'string' && a['as'] ? a['as'] : `${fn}_${col}`;
        return `${aggFns[fn]}(${fn === 'count_distinct' ? 'DISTINCT ' : ''}${q(col)}) AS ${q(name)}`;
      });
      return `SELECT ${keys.join(', ')}, ${outs.join(', ')} FROM ${c.inputs[0]} GROUP BY ${keys.join(', ')}`;
    },
  },
];

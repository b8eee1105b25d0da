import { describe, expect, it } from 'vitest';
import { compileFlow, relationOf, renderScript, sourceNameOf, withQuery, type FlowNode } from '@loam/core';
import { DuckDbDataEngine } from './duckdb-data-engine.js';
import { table } from './flow-transforms.test-support.js';

const people = () => table('id,name,age', { id: 'BIGINT', name: 'VARCHAR', age: 'DOUBLE' }, '1,Ann,30', '2,bob,', '3,Cy,50', '4,Dee,40');

/** A chain of transforms over one source `src`; returns the document. */
function chain(...steps: [string, Record<string, unknown>][]) {
  const nodes: FlowNode[] = [{ id: 'src', type: 'source', dataset: { name: 'p' } }];
  steps.forEach(([transform, params], i) => nodes.push({ id: `s${i + 1}`, type: 'transform', transform, inputs: [i === 0 ? 'src' : `s${i}`], params }));
  return { formatVersion: 1 as const, nodes };
}

/** An engine that counts the statements it runs: probes (types over no rows) apart from fits. */
function countingEngine() {
  const engine = new DuckDbDataEngine({ threads: 1 });
  const counts = { probes: 0, fits: 0 };
  const query = engine.query.bind(engine);
  engine.query = (sql, sources, options) => {
    if (/LIMIT 0\) AS t/.test(sql)) counts.probes++;
    else counts.fits++;
    return query(sql, sources, options);
  };
  return { engine, counts };
}

describe('flow compiler: statistics fitted to literals (DuckDB)', () => {
  it('fits dependent statistics in order and independent ones together; the SQL holds literals, no window', async () => {
    // age: 30, –, 50, 40. impute_mean → 30, 40, 50, 40 (mean 40). standard_scale then sees the imputed
    // column: population std √50, so −√2, 0, √2, 0 (on the raw column it would be √(200/3)).
    // min_max_scale of id is independent: 0, 1/3, 2/3, 1. The filter drops Ann (−√2); min_max of
    // age after it sees 0, √2, 0 → 0, 1, 0.
    const doc = chain(['impute_mean', { columns: ['age'] }], ['standard_scale', { columns: ['age'] }], ['min_max_scale', { columns: ['id'] }],
      ['filter_rows', { condition: 'age > -1' }], ['min_max_scale', { columns: ['age'] }]);
    const { engine, counts } = countingEngine();
    const sources = { [sourceNameOf('src')]: people() };
    const flow = await compileFlow(doc, { engine, sources });
    const sql = withQuery(flow.steps, relationOf('s5'), `SELECT * FROM ${relationOf('s5')} ORDER BY id`);
    expect(sql).not.toMatch(/OVER \(\)/);
    expect(sql).toContain("CAST('40' AS DOUBLE)");
    const r = await engine.query(sql, sources);
    expect(r.rows.map((x) => [x[0], x[1], Number((x[2] as number).toFixed(9))])).toEqual([[1 / 3, 'bob', 0], [2 / 3, 'Cy', 1], [1, 'Dee', 0]]);
    // Four nodes with statistics: one probe (types, over no rows) each.
    expect(counts.probes).toBe(4);
  });

  it('fits the statistics of independent steps in one statement', async () => {
    const doc = chain(['impute_mean', { columns: ['age'] }], ['min_max_scale', { columns: ['id'] }], ['one_hot', { column: 'name' }], ['clip_std', { columns: ['id'], k: 1 }]);
    const { engine, counts } = countingEngine();
    const sources = { [sourceNameOf('src')]: people() };
    const flow = await compileFlow(doc, { engine, sources });
    // one_hot needs its categories to shape its SQL: the statistics pending before it (impute_mean,
    // min_max_scale) are fitted in the same statement; clip_std (over the scaled id) alone after.
    expect(counts.fits).toBe(2);
    const r = await engine.query(withQuery(flow.steps, relationOf('s4'), `SELECT id, age, name_bob FROM ${relationOf('s4')} ORDER BY id`), sources);
    // id scaled: 0, 1/3, 2/3, 1 (mean 0.5, population std √5/3 ≈ 0.3727): clipped to [0.1273, 0.8727].
    const lo = 0.5 - Math.sqrt(5) / 6;
    expect(r.rows.map((x) => [Number((x[0] as number).toFixed(9)), x[1], x[2]])).toEqual([[Number(lo.toFixed(9)), 30, 0], [Number((1 / 3).toFixed(9)), 40, 1], [Number((2 / 3).toFixed(9)), 50, 0], [Number((1 - lo).toFixed(9)), 40, 0]]);
  });

  it('exports a script whose steps carry the fitted values', async () => {
    const engine = new DuckDbDataEngine({ threads: 1 });
    const flow = await compileFlow(chain(['robust_scale', { columns: ['age'] }]), { engine, sources: { [sourceNameOf('src')]: people() } });
    const script = renderScript(flow, { title: 't', sourceUris: { src: 's3://b/p.parquet' } });
    // median 40, Q1 35, Q3 45 of 30, 40, 50.
    expect(script).toContain(`("age" - CAST('40' AS DOUBLE)) / nullif(CAST('45' AS DOUBLE) - CAST('35' AS DOUBLE), 0)`);
  });

  it('names the node whose statistic does not bind', async () => {
    const engine = new DuckDbDataEngine({ threads: 1 });
    await expect(compileFlow(chain(['drop_columns', { columns: ['name'] }], ['standard_scale', { columns: ['nope'] }]), { engine, sources: { [sourceNameOf('src')]: people() } }))
      .rejects.toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/node 's2' \(standard_scale\).*nope/) });
  });
});

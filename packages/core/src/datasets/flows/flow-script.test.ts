import { describe, expect, it } from 'vitest';
import { renderScript, type CompiledFlow } from './flow-compiler.js';

// A flow stored before labels were checked may carry a line break: in the script's `-- ` comment it
// would end the comment, and the next line would run as a statement (or a DuckDB CLI dot command).
const hostile = "x\nCOPY (SELECT 'owned' AS a) TO '/tmp/pwned.csv'; --\r.shell touch /tmp/pwned\u2028.shell id";
const flow: CompiledFlow = {
  nodes: [
    { id: 'src', type: 'source', dataset: { name: 'd' }, label: hostile },
    { id: 't', type: 'transform', transform: 'drop_columns', inputs: ['src'], params: { columns: ['a'] }, label: hostile },
    { id: 'out', type: 'destination', inputs: ['t'], output: { s3Uri: 's3://b/k.csv', format: 'csv' }, label: hostile },
  ],
  steps: [
    { nodeId: 'src', relation: '"n_src"', sql: 'SELECT * FROM "src_src"' },
    { nodeId: 't', relation: '"n_t"', sql: 'SELECT * EXCLUDE ("a") FROM "n_src"' },
    { nodeId: 'out', relation: '"n_out"', sql: 'SELECT * FROM "n_t"' },
  ],
};

describe('renderScript', () => {
  it('keeps a label with line breaks inside its comment line', () => {
    const script = renderScript(flow, { title: "Loam flow 'f'\nCOPY x", sourceUris: { src: 's3://loam-datasets/d/v1/data.parquet' } });
    const lines = script.split(/\r\n|\r|\n|\u2028/);
    const statements = lines.filter((l) => l.trim() !== '' && !l.startsWith('-- '));
    expect(statements.filter((l) => !/^(CREATE OR REPLACE VIEW|COPY \(SELECT \* FROM "n_out"\))/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.includes('owned'))).toEqual([
      "-- src (source): x COPY (SELECT 'owned' AS a) TO '/tmp/pwned.csv'; -- .shell touch /tmp/pwned .shell id",
      "-- t (drop_columns): x COPY (SELECT 'owned' AS a) TO '/tmp/pwned.csv'; -- .shell touch /tmp/pwned .shell id",
      "-- out (destination): x COPY (SELECT 'owned' AS a) TO '/tmp/pwned.csv'; -- .shell touch /tmp/pwned .shell id",
    ]);
  });
});

/** The 10-step flow of bench/wrangler; peer.py performs the same steps with pandas. */
export const steps = [
  { id: 's1', transform: 'drop_columns', params: { columns: ['id'] } },
  { id: 's2', transform: 'impute_mean', params: { columns: ['a'] } },
  { id: 's3', transform: 'fill_constant', params: { columns: ['cat'], value: 'unknown' } },
  { id: 's4', transform: 'lower_case', params: { columns: ['txt'] } },
  { id: 's5', transform: 'one_hot', params: { column: 'cat' } },
  { id: 's6', transform: 'standard_scale', params: { columns: ['b'] } },
  { id: 's7', transform: 'clip_std', params: { columns: ['c'], k: 3 } },
  { id: 's8', transform: 'custom_formula', params: { expression: 'a * b', to: 'ab' } },
  { id: 's9', transform: 'filter_rows', params: { condition: 'y = 1 OR ab > 0' } },
  { id: 's10', transform: 'min_max_scale', params: { columns: ['c'] } },
] as const;

/** The flow document: one source, the ten steps in a chain, one CSV destination. */
export function flowDocument(dataset = 'bench') {
  let prev = 'src';
  const nodes: Record<string, unknown>[] = [{ id: 'src', type: 'source', dataset: { name: dataset } }];
  for (const s of steps) {
    nodes.push({ id: s.id, type: 'transform', transform: s.transform, inputs: [prev], params: s.params });
    prev = s.id;
  }
  nodes.push({ id: 'out', type: 'destination', inputs: [prev], output: { s3Uri: 's3://bench/out.csv', format: 'csv' } });
  return { formatVersion: 1 as const, nodes };
}

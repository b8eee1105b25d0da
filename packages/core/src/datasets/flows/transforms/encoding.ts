import { bool, lit, num, q, S, str, type TransformDef } from './transform.js';

/** Categorical encoding: one-hot, ordinal, frequency. */
export const encodingTransforms: TransformDef[] = [
  {
    name: 'one_hot', group: 'Encode categorical', summary: 'One 0/1 column per category (the most frequent ones, learned from the data), named <column>_<value>.', inputs: 1,
    params: S.obj({ column: S.col(), maxCategories: S.num('Most frequent categories kept', 20), categories: { type: 'array', items: { type: 'string' }, description: 'Fixed categories (skips learning)' }, dropOriginal: S.bool('Remove the original column', true) }, ['column']),
    compile: async (c) => {
      const col = str(c, 'column');
      const x = q(col);
      let cats = c.params['categories'] as string[] | undefined;
      if (!Array.isArray(cats)) {
        const max = num(c, 'maxCategories', 20, { min: 1, max: 1000, integer: true });
        // The `max` most frequent values (ties by value), as one JSON text, fitted with the flow's other statistics.
        const top = `(SELECT ${x}::VARCHAR AS v, count(*) AS n FROM ${c.inputs[0]} WHERE ${x} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT ${max})`;
        const [json] = await c.fitStats([`coalesce(to_json(list(v ORDER BY n DESC, v)), '[]')::VARCHAR`], top);
        cats = (JSON.parse(String(json)) as unknown[]).map(String);
      }
      const sorted = [...cats].sort();
      const outs = sorted.map((v) => `coalesce((${x}::VARCHAR = ${lit(v)})::INTEGER, 0) AS ${q(`${col}_${v}`)}`);
      const keep = bool(c, 'dropOriginal', true) ? `* EXCLUDE (${x})` : '*';
      return `SELECT ${[keep, ...outs].join(', ')} FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'ordinal_encode', group: 'Encode categorical', summary: 'Replaces categories by their rank in sorted order (0, 1, …); missing stays missing.', inputs: 1,
    params: S.obj({ column: S.col() }, ['column']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      return `SELECT * REPLACE (CASE WHEN ${x} IS NULL THEN NULL ELSE dense_rank() OVER (ORDER BY ${x}) - 1 END AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'frequency_encode', group: 'Encode categorical', summary: 'Replaces each category by the share of rows that have it.', inputs: 1,
    params: S.obj({ column: S.col() }, ['column']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      return `SELECT * REPLACE (count(*) OVER (PARTITION BY ${x})::DOUBLE / count(*) OVER () AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
];

import type { OutputOf, operations } from '@loam/contracts';
import { quoteIdent as q, type DataEngine, type FileSource } from '../../ports/data-engine.js';

type Profile = OutputOf<typeof operations.GetDatasetProfile>['Profile'];
type Leak = NonNullable<Profile['TargetLeakage']>[number];

/** Rows the leakage check reads (a seeded reservoir sample beyond this). */
const LEAK_SAMPLE = 200_000;
const AUC_SUSPICIOUS = 0.95;
const R2_SUSPICIOUS = 0.9;

/** Classification when the target has few values (or is not numeric); regression otherwise. */
export function problemOf(col: Profile['Columns'][number]): 'classification' | 'regression' {
  return col.Kind === 'numeric' && col.Distinct > 10 ? 'regression' : 'classification';
}

/**
 * How well each feature alone predicts the target, as Data Wrangler's target-leakage analysis: for
 * classification, the ROC-AUC of the feature as a score (numeric: its value, either direction;
 * categorical: its category's positive rate) for the most frequent class against the rest; for
 * regression, R² (numeric: squared Pearson correlation; categorical: the correlation ratio η²).
 * A feature that alone predicts the target almost perfectly is flagged.
 */
export async function targetLeakage(engine: DataEngine, source: FileSource, columns: Profile['Columns'], target: string, call: { signal?: AbortSignal }): Promise<Leak[]> {
  const tcol = columns.find((c) => c.Name === target);
  if (!tcol) return [];
  const problem = problemOf(tcol);
  const t = q(target);
  const sample = `(SELECT * FROM src WHERE ${t} IS NOT NULL USING SAMPLE reservoir(${LEAK_SAMPLE} ROWS) REPEATABLE (7))`;
  const out: Leak[] = [];
  for (const c of columns) {
    if (c.Name === target || c.Kind === 'text') continue;
    const x = q(c.Name);
    const numeric = c.Kind === 'numeric' || c.Kind === 'boolean';
    let sql: string;
    if (problem === 'classification') {
      const positive = `(SELECT ${t} FROM src WHERE ${t} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)`;
      const score = numeric ? `${x}::DOUBLE` : `avg(y) OVER (PARTITION BY ${x})`;
      sql = `WITH d AS (SELECT ${x}, (${t} = ${positive})::INTEGER AS y FROM ${sample}),
        s AS (SELECT ${score} AS s, y FROM d),
        r AS (SELECT y, rank() OVER (ORDER BY s NULLS FIRST) + (count(*) OVER (PARTITION BY s) - 1) / 2.0 AS rk FROM s)
        SELECT (sum(rk) FILTER (WHERE y = 1) - count(*) FILTER (WHERE y = 1) * (count(*) FILTER (WHERE y = 1) + 1) / 2.0)
          / nullif(count(*) FILTER (WHERE y = 1) * count(*) FILTER (WHERE y = 0), 0) FROM r`;
    } else if (numeric) {
      sql = `SELECT power(corr(${x}::DOUBLE, ${t}::DOUBLE), 2) FROM ${sample}`;
    } else {
      sql = `WITH d AS (SELECT ${x} AS g, ${t}::DOUBLE AS y FROM ${sample}),
        m AS (SELECT g, avg(y) OVER (PARTITION BY g) AS gm, avg(y) OVER () AS mu, y FROM d)
        SELECT sum(power(gm - mu, 2)) / nullif(sum(power(y - mu, 2)), 0) FROM m`;
    }
    const r = await engine.query(sql, { src: source }, { limit: 1, ...call });
    const raw = r.rows[0]?.[0];
    if (typeof raw !== 'number' || !Number.isFinite(raw)) continue;
    const score = problem === 'classification' ? Math.max(raw, 1 - raw) : raw;
    out.push({ Column: c.Name, Score: score, Metric: problem === 'classification' ? 'roc_auc' : 'r2', Suspicious: problem === 'classification' ? score >= AUC_SUSPICIOUS : score >= R2_SUSPICIOUS });
  }
  return out.sort((a, b) => b.Score - a.Score);
}

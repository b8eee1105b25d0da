import type { OutputOf, operations } from '@loam/contracts';
import { quoteIdent as q, type DataEngine, type FileSource } from '../../ports/data-engine.js';
import { problemOf } from './leakage.js';

type Profile = OutputOf<typeof operations.GetDatasetProfile>['Profile'];

/** The features and labels a quick model trains on: column-major, NaN for missing. */
export interface QuickModelData {
  readonly featureNames: readonly string[];
  readonly columns: readonly Float32Array[];
  readonly labels: Float64Array;
  readonly problem: 'binary' | 'multiclass' | 'regression';
  readonly numClass: number;
  /** 1 for a held-out row. */
  readonly isTest: Uint8Array;
}

export interface QuickModelResult {
  readonly metric: string;
  readonly heldOutScore: number;
  /** Importance by feature name (features never used may be absent). */
  readonly importance: Readonly<Record<string, number>>;
}

/** Trains and scores a small model (core does not know which: the server passes the GBDT from `ml`). */
export type QuickModelFn = (data: QuickModelData, signal?: AbortSignal) => Promise<QuickModelResult>;

const QUICK_ROWS = 50_000;

/**
 * Builds the quick model's matrix in DuckDB from a seeded sample: numeric and boolean columns as
 * numbers, dates as epoch seconds, categories as their frequency rank; one row in five is held out.
 */
export async function quickModelOf(engine: DataEngine, source: FileSource, columns: Profile['Columns'], target: string, train: QuickModelFn, call: { signal?: AbortSignal }): Promise<Profile['QuickModel']> {
  const tcol = columns.find((c) => c.Name === target);
  if (!tcol) return undefined;
  const features = columns.filter((c) => c.Name !== target && c.Kind !== 'text');
  const expr = (c: Profile['Columns'][number]): string => {
    const x = q(c.Name);
    if (c.Kind === 'numeric') return `${x}::DOUBLE`;
    if (c.Kind === 'boolean') return `${x}::INTEGER::DOUBLE`;
    if (c.Kind === 'datetime') return `epoch(${x}::TIMESTAMP)::DOUBLE`;
    return `(CASE WHEN ${x} IS NULL THEN NULL ELSE dense_rank() OVER (ORDER BY ${x}) - 1 END)::DOUBLE`;
  };
  const regression = problemOf(tcol) === 'regression';
  const label = regression ? `${q(target)}::DOUBLE` : `(dense_rank() OVER (ORDER BY ${q(target)}) - 1)::DOUBLE`;
  const sql = `SELECT ${label} AS __y${features.map((c, i) => `, ${expr(c)} AS f${i}`).join('')}
    FROM (SELECT * FROM src WHERE ${q(target)} IS NOT NULL USING SAMPLE reservoir(${QUICK_ROWS} ROWS) REPEATABLE (11))`;
  const r = await engine.query(sql, { src: source }, { limit: QUICK_ROWS, ...call });
  const n = r.rows.length;
  if (n < 10) return undefined;
  const labels = new Float64Array(n);
  const cols = features.map(() => new Float32Array(n));
  const isTest = new Uint8Array(n);
  r.rows.forEach((row, i) => {
    labels[i] = Number(row[0]);
    cols.forEach((col, j) => {
      const v = row[j + 1];
      col[i] = typeof v === 'number' ? v : NaN;
    });
    isTest[i] = i % 5 === 4 ? 1 : 0;
  });
  const numClass = regression ? 0 : Math.max(...labels) + 1;
  const problem = regression ? 'regression' : numClass <= 2 ? 'binary' : 'multiclass';
  const res = await train({ featureNames: features.map((c) => c.Name), columns: cols, labels, problem, numClass, isTest }, call.signal);
  const testRows = isTest.reduce((a, b) => a + b, 0);
  return {
    Problem: problem, Metric: res.metric, HeldOutScore: res.heldOutScore, TrainRows: n - testRows, TestRows: testRows,
    FeatureImportance: Object.entries(res.importance).map(([Feature, Importance]) => ({ Feature, Importance })).sort((a, b) => b.Importance - a.Importance),
  };
}

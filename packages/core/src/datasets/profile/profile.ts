import type { OutputOf, operations } from '@loam/contracts';
import { quoteIdent as q, type DataEngine, type FileSource, type JsonCell } from '../../ports/data-engine.js';
import type { DatasetVersionRecord } from '../dataset.collections.js';
import { isNumericType, kindOf } from './column-kinds.js';
import { targetLeakage } from './leakage.js';
import { quickModelOf, type QuickModelFn } from './quick-model.js';

export type { QuickModelFn } from './quick-model.js';
export type DatasetProfile = OutputOf<typeof operations.GetDatasetProfile>['Profile'];
type ColumnProfile = DatasetProfile['Columns'][number];

export interface ProfileOptions {
  readonly target?: string;
  readonly quickModel?: QuickModelFn;
  readonly signal?: AbortSignal;
}

const HIST_BINS = 10;
const MAX_CORR_COLUMNS = 30;
/** A text column with more distinct values than this (and than half its rows) is free text, not a category. */
const CATEGORICAL_MAX_DISTINCT = 1000;

const num = (v: JsonCell | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : v === null || v === undefined ? null : Number.isFinite(Number(v)) ? Number(v) : null);

/**
 * Profiles a version with DuckDB: one scan for every column's missing/distinct/min/max/mean/std and
 * quantiles, then per-column histograms (numeric: 10 equal-width bins; others: top 10 values), IQR
 * outliers, duplicate rows and Pearson correlations between numeric columns. With a target: a
 * per-feature leakage score and, when given a trainer, a quick model.
 */
export async function profileDataset(engine: DataEngine, source: FileSource, rec: DatasetVersionRecord, o: ProfileOptions = {}): Promise<DatasetProfile> {
  const src = { src: source };
  const call = o.signal ? { signal: o.signal } : {};
  const cols = rec.columns;
  const aggs = cols.flatMap((c, i) => {
    const x = q(c.name);
    const base = [`count(*) - count(${x}) AS m${i}`, `count(DISTINCT ${x}) AS d${i}`, `min(${x})::VARCHAR AS lo${i}`, `max(${x})::VARCHAR AS hi${i}`];
    if (!isNumericType(c.type)) return base;
    const xd = `${x}::DOUBLE`;
    return [...base, `avg(${xd}) AS mean${i}`, `stddev_samp(${xd}) AS std${i}`, ...[0.05, 0.25, 0.5, 0.75, 0.95].map((p, k) => `quantile_cont(${xd}, ${p}) AS p${k}_${i}`)];
  });
  const stats = await engine.query(`SELECT count(*) AS n, ${aggs.join(', ')} FROM src`, src, { limit: 1, ...call });
  const row = stats.rows[0] ?? [];
  const at = new Map(stats.columns.map((c, i) => [c.name, i]));
  const get = (k: string): JsonCell => row[at.get(k) ?? -1] ?? null;
  const n = Number(get('n') ?? 0);

  const columns: ColumnProfile[] = [];
  for (const [i, c] of cols.entries()) {
    let kind = kindOf(c.type);
    const missing = Number(get(`m${i}`));
    const distinct = Number(get(`d${i}`));
    if (kind === 'categorical' && distinct > CATEGORICAL_MAX_DISTINCT && distinct > n / 2) kind = 'text';
    const p: Record<string, unknown> = { Name: c.name, Type: c.type, Kind: kind, Missing: missing, MissingRatio: n === 0 ? 0 : missing / n, Distinct: distinct };
    const lo = get(`lo${i}`);
    const hi = get(`hi${i}`);
    if (kind === 'numeric') {
      p['Min'] = num(lo);
      p['Max'] = num(hi);
      p['Mean'] = num(get(`mean${i}`));
      p['Std'] = num(get(`std${i}`));
      const qs = [0, 1, 2, 3, 4].map((k) => num(get(`p${k}_${i}`)));
      p['Quantiles'] = { P05: qs[0], P25: qs[1], P50: qs[2], P75: qs[3], P95: qs[4] };
      Object.assign(p, await numericShape(engine, src, c.name, num(lo), num(hi), qs[1] ?? null, qs[3] ?? null, call));
    } else {
      if (lo !== null) p['Min'] = lo;
      if (hi !== null) p['Max'] = hi;
      const top = await engine.query(`SELECT ${q(c.name)}::VARCHAR AS v, count(*) AS k FROM src WHERE ${q(c.name)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`, src, { limit: 10, ...call });
      p['TopValues'] = top.rows.map((r) => ({ Value: r[0] ?? null, Count: Number(r[1]) }));
    }
    columns.push(p as ColumnProfile);
  }

  const dup = await engine.query('SELECT (SELECT count(*) FROM src) - (SELECT count(*) FROM (SELECT DISTINCT * FROM src)) AS d', src, { limit: 1, ...call });
  const numericCols = cols.filter((c) => isNumericType(c.type)).slice(0, MAX_CORR_COLUMNS).map((c) => c.name);
  const pearson = await correlations(engine, src, numericCols, call);
  const profile: DatasetProfile = {
    DatasetName: rec.datasetName, Version: rec.version, RowCount: n, DuplicateRows: Number(dup.rows[0]?.[0] ?? 0), Columns: columns,
    Correlations: { Columns: numericCols, Pearson: pearson },
  };
  if (o.target === undefined) return profile;
  const leakage = await targetLeakage(engine, source, columns, o.target, call);
  const model = o.quickModel ? await quickModelOf(engine, source, columns, o.target, o.quickModel, call) : undefined;
  return { ...profile, TargetColumn: o.target, TargetLeakage: leakage, ...(model ? { QuickModel: model } : {}) };
}

async function numericShape(engine: DataEngine, src: Record<string, FileSource>, name: string, lo: number | null, hi: number | null, q1: number | null, q3: number | null, call: { signal?: AbortSignal }): Promise<Partial<ColumnProfile>> {
  if (lo === null || hi === null) return { Histogram: [], Outliers: 0 };
  const x = `${q(name)}::DOUBLE`;
  const width = hi > lo ? (hi - lo) / HIST_BINS : 1;
  const iqr = q1 !== null && q3 !== null ? q3 - q1 : 0;
  const [olo, ohi] = q1 !== null && q3 !== null ? [q1 - 1.5 * iqr, q3 + 1.5 * iqr] : [lo, hi];
  const r = await engine.query(
    `SELECT least(floor((${x} - ${lo}) / ${width}), ${HIST_BINS - 1})::INTEGER AS b, count(*) AS k, count(*) FILTER (WHERE ${x} < ${olo} OR ${x} > ${ohi}) AS o FROM src WHERE ${q(name)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    src, { limit: HIST_BINS, ...call },
  );
  const counts = new Array<number>(hi > lo ? HIST_BINS : 1).fill(0);
  let outliers = 0;
  for (const [b, k, o] of r.rows) {
    counts[Number(b)] = Number(k);
    outliers += Number(o);
  }
  return { Histogram: counts.map((k, b) => ({ Low: lo + b * width, High: hi > lo ? lo + (b + 1) * width : hi, Count: k })), Outliers: outliers };
}

async function correlations(engine: DataEngine, src: Record<string, FileSource>, names: readonly string[], call: { signal?: AbortSignal }): Promise<(number | null)[][]> {
  if (names.length === 0) return [];
  const pairs: string[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push(`corr(${q(names[i] as string)}::DOUBLE, ${q(names[j] as string)}::DOUBLE) AS c${i}_${j}`);
  const m = names.map((_, i) => names.map((__, j) => (i === j ? 1 : null as number | null)));
  if (pairs.length === 0) return m;
  const r = await engine.query(`SELECT ${pairs.join(', ')} FROM src`, src, { limit: 1, ...call });
  let k = 0;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const v = num(r.rows[0]?.[k++]);
      (m[i] as (number | null)[])[j] = v;
      (m[j] as (number | null)[])[i] = v;
    }
  }
  return m;
}

import { rm } from 'node:fs/promises';
import type { OutputOf, operations } from '@loam/contracts';
import { quoteIdent as q, type DataEngine, type FileSource } from '../../ports/data-engine.js';

type Profile = OutputOf<typeof operations.GetDatasetProfile>['Profile'];
type Column = Profile['Columns'][number];
type Leak = NonNullable<Profile['TargetLeakage']>[number];

/**
 * Rows the leakage check reads (a seeded reservoir sample beyond this), as the quick model. Five folds
 * per column cost a few sorts of the sample; 50,000 rows keep an AUC's sampling error to a few thousandths.
 */
const LEAK_SAMPLE = 50_000;
const FOLDS = 5;
/** Pseudo-count that pulls a group seen on few training rows toward the training fold's prior. */
const SMOOTHING = 1;
/** An ordered column is cut into √n equal-frequency bins, at most this many. */
const MAX_BINS = 100;
/** A multiclass score averages the one-vs-rest AUC of this many most frequent classes. */
const MAX_CLASSES = 20;
/** Fewer rows than this with a target give no score. */
const MIN_ROWS = 2 * FOLDS;
const AUC_SUSPICIOUS = 0.95;
const R2_SUSPICIOUS = 0.9;

/** Classification when the target has few values (or is not numeric); regression otherwise. */
export function problemOf(col: Column): 'classification' | 'regression' {
  return col.Kind === 'numeric' && col.Distinct > 10 ? 'regression' : 'classification';
}

/**
 * How well each feature alone predicts the target, as Data Wrangler's target-leakage analysis: a
 * single-feature model scored by cross-validation (5 folds; stratified by class for classification),
 * reporting ROC-AUC for classification — one-vs-rest per class and averaged (macro) when the target has
 * more than two classes — and R² for regression. The model predicts, for each group of the feature, the
 * training folds' class shares (or target mean) in that group, smoothed toward the training prior: a
 * group is a category (categorical, boolean) or one of √n equal-frequency bins (numeric, datetime);
 * missing values form a group of their own. Scored out of fold, so a column of unique IDs scores about
 * 0.5 (R² about 0), and a feature that predicts the middle class of three (wine's flavanoids) scores
 * high although it does not rank any one class against the rest. A feature that alone predicts the
 * target almost perfectly is flagged.
 */
export async function targetLeakage(engine: DataEngine, source: FileSource, columns: Profile['Columns'], target: string, call: { signal?: AbortSignal }, tempPath?: (suffix: string) => Promise<string>): Promise<Leak[]> {
  const tcol = columns.find((c) => c.Name === target);
  if (!tcol) return [];
  const features = columns.filter((c) => c.Name !== target && c.Kind !== 'text');
  // The sample is drawn once into a file when there is room for one: drawn in every column's query, it
  // read the whole dataset once per feature.
  if (!tempPath || features.length < 2) return leakageOver(engine, source, features, tcol, target, sampleOf(target), call);
  const path = await tempPath('.leakage-sample.parquet');
  try {
    await engine.copyTo(`SELECT * FROM ${sampleOf(target)}`, { src: source }, { path, format: 'parquet' }, call);
    return await leakageOver(engine, { path, format: 'parquet' }, features, tcol, target, 'src', call);
  } finally {
    await rm(path, { force: true });
  }
}

async function leakageOver(engine: DataEngine, source: FileSource, features: Profile['Columns'], tcol: Column, target: string, sample: string, call: { signal?: AbortSignal }): Promise<Leak[]> {
  const problem = problemOf(tcol);
  const out: Leak[] = [];
  const metric = problem === 'regression' ? 'r2' : tcol.Distinct > 2 ? 'roc_auc_ovr' : 'roc_auc';
  for (const c of features) {
    const sql = problem === 'classification' ? aucSql(c, target, sample) : r2Sql(c, target, sample);
    const r = await engine.query(sql, { src: source }, { limit: 1, ...call });
    const score = r.rows[0]?.[0];
    if (typeof score !== 'number' || !Number.isFinite(score)) continue;
    out.push({ Column: c.Name, Score: score, Metric: metric, Suspicious: score >= (problem === 'classification' ? AUC_SUSPICIOUS : R2_SUSPICIOUS) });
  }
  return out.sort((a, b) => b.Score - a.Score);
}

function sampleOf(target: string): string {
  return `(SELECT * FROM src WHERE ${q(target)} IS NOT NULL USING SAMPLE reservoir(${LEAK_SAMPLE} ROWS) REPEATABLE (7))`;
}

/**
 * `b(g, y, h)`: each sampled row's group `g` (an integer; -1 for a missing value), its target `y` and
 * a hash of the whole row `h`, which orders rows pseudo-randomly (and the same way every run) when
 * they are dealt into folds. The fold must not depend on the group: dealing rows sorted by group
 * would give each fold the same class mix per group as the others, and noise would score above 0.5.
 */
function groupsOf(c: Column, target: string, sample: string): string {
  const x = q(c.Name);
  const ordered = c.Kind === 'numeric' || c.Kind === 'datetime';
  const g = ordered
    ? 'CASE WHEN x IS NULL THEN -1 ELSE least(floor(percent_rank() OVER (PARTITION BY x IS NULL ORDER BY x) * bins), bins - 1)::BIGINT END'
    : 'CASE WHEN x IS NULL THEN -1 ELSE dense_rank() OVER (ORDER BY x) END';
  return `s AS (SELECT ${x} AS x, ${q(target)} AS y, hash(__loam_row) AS h FROM ${sample} AS __loam_row),
    sz AS (SELECT greatest(2, least(${MAX_BINS}, floor(sqrt(count(*))))) AS bins, count(*) AS n FROM s),
    b AS (SELECT ${g} AS g, y, h FROM s, sz WHERE sz.n >= ${MIN_ROWS})`;
}

/**
 * Out-of-fold ROC-AUC. For a row of group g in fold f the model's score for class k is
 * (N_gk − n_gfk + α·prior_fk) / (N_g − n_gf + α): counts over every fold but f. Rows sharing a group
 * and fold share scores, so each class's AUC is computed over those cells (ties count one half), and
 * the classes' AUCs are averaged.
 */
function aucSql(c: Column, target: string, sample: string): string {
  const a = SMOOTHING;
  return `WITH ${groupsOf(c, target, sample)},
    cls AS (SELECT y, (row_number() OVER (ORDER BY count(*) DESC, y) - 1)::BIGINT AS k FROM b GROUP BY y),
    d AS (SELECT g, k, ((row_number() OVER (ORDER BY k, h) - 1) % ${FOLDS})::BIGINT AS f FROM b JOIN cls USING (y)),
    cnt AS (SELECT g, f, k, count(*)::DOUBLE AS n FROM d GROUP BY ALL),
    cell AS (SELECT g, f, sum(n) AS n FROM cnt GROUP BY ALL),
    gk AS (SELECT g, k, sum(n) AS n FROM cnt GROUP BY ALL),
    g1 AS (SELECT g, sum(n) AS n FROM cnt GROUP BY ALL),
    fk AS (SELECT f, k, sum(n) AS n FROM cnt GROUP BY ALL),
    f1 AS (SELECT f, sum(n) AS n FROM cnt GROUP BY ALL),
    k1 AS (SELECT k, sum(n) AS n FROM cnt GROUP BY ALL),
    tot AS (SELECT sum(n) AS n FROM cnt),
    top AS (SELECT k FROM cls WHERE k < ${MAX_CLASSES}),
    sc AS (
      SELECT top.k, coalesce(cnt.n, 0) AS pos, cell.n - coalesce(cnt.n, 0) AS neg,
        round((coalesce(gk.n, 0) - coalesce(cnt.n, 0) + ${a} * (k1.n - coalesce(fk.n, 0)) / nullif(tot.n - f1.n, 0)) / (g1.n - cell.n + ${a}), 12) AS s
      FROM cell CROSS JOIN top CROSS JOIN tot
      JOIN g1 ON g1.g = cell.g JOIN f1 ON f1.f = cell.f JOIN k1 ON k1.k = top.k
      LEFT JOIN cnt ON cnt.g = cell.g AND cnt.f = cell.f AND cnt.k = top.k
      LEFT JOIN gk ON gk.g = cell.g AND gk.k = top.k
      LEFT JOIN fk ON fk.f = cell.f AND fk.k = top.k),
    lv AS (SELECT k, s, sum(pos) AS p, sum(neg) AS q FROM sc GROUP BY ALL),
    cum AS (SELECT k, p, q, sum(q) OVER (PARTITION BY k ORDER BY s) - q AS below FROM lv),
    auc AS (SELECT k, sum(p * (below + q / 2)) / nullif(sum(p) * sum(q), 0) AS auc FROM cum GROUP BY k)
    SELECT avg(auc) FROM auc`;
}

/**
 * Out-of-fold R²: a row of group g in fold f is predicted the mean of its group over every fold but f,
 * smoothed toward those folds' mean; R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² over all rows (below 0 when the
 * prediction is worse than the mean).
 */
function r2Sql(c: Column, target: string, sample: string): string {
  const a = SMOOTHING;
  return `WITH ${groupsOf(c, target, sample)},
    d AS (SELECT g, y::DOUBLE AS y, ((row_number() OVER (ORDER BY h) - 1) % ${FOLDS})::BIGINT AS f FROM b),
    cell AS (SELECT g, f, count(*)::DOUBLE AS n, sum(y) AS sy FROM d GROUP BY ALL),
    g1 AS (SELECT g, sum(n) AS n, sum(sy) AS sy FROM cell GROUP BY ALL),
    f1 AS (SELECT f, sum(n) AS n, sum(sy) AS sy FROM cell GROUP BY ALL),
    tot AS (SELECT sum(n) AS n, sum(sy) AS sy FROM cell),
    m AS (SELECT cell.g, cell.f, (g1.sy - cell.sy + ${a} * (tot.sy - f1.sy) / nullif(tot.n - f1.n, 0)) / (g1.n - cell.n + ${a}) AS m
      FROM cell CROSS JOIN tot JOIN g1 ON g1.g = cell.g JOIN f1 ON f1.f = cell.f)
    SELECT 1 - sum(power(d.y - m.m, 2)) / nullif(sum(power(d.y - (SELECT sy / n FROM tot), 2)), 0) FROM d JOIN m ON m.g = d.g AND m.f = d.f`;
}

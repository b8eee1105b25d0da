import type { DenseMatrix } from '../data/matrix.js';
import { MlInputError } from '../errors.js';
import { GBDT_FORMAT_VERSION, servedTrees, type GbdtModelData, type GbdtObjective, type GbdtModelJson, type GbdtTree, type GbdtTreeJson } from './model.js';
import { transformMargins } from './objectives.js';
import { CompleteForest } from './complete-forest.js';
import { type ForestLayout, forestMargins, PackedForest } from './predictor.js';

/** XGBoost's importance types (`Booster.get_score(importance_type=…)`). */
export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';

/** A metric as SageMaker's built-in XGBoost names it, e.g. `{ name: 'validation:auc', value: 0.97 }`. */
export interface GbdtMetric {
  readonly name: string;
  readonly value: number;
}

/**
 * A trained forest: batch and single-row prediction, feature importance, JSON serialization.
 * Predictions follow the objective: probabilities for `binary:logistic` / `reg:logistic`, an
 * `n × num_class` row-major probability matrix for `multi:softprob`, class indexes for
 * `multi:softmax`, expected counts for `count:poisson`, values for `reg:squarederror`.
 */
export class GbdtModel {
  private layout: ForestLayout | undefined;
  private readonly rowBuf: Float32Array;

  constructor(
    readonly data: GbdtModelData,
    /** Metrics of the last boosting round (empty when training evaluated nothing). */
    readonly finalMetrics: readonly GbdtMetric[] = [],
  ) {
    this.rowBuf = new Float32Array(data.numFeatures);
  }

  get objective(): GbdtModelData['objective'] {
    return this.data.objective;
  }

  get numFeatures(): number {
    return this.data.numFeatures;
  }

  /** Number of outputs per row: `num_class` for `multi:softprob`, else 1. */
  get outputsPerRow(): number {
    return this.data.objective === 'multi:softprob' ? this.data.numGroups : 1;
  }

  /** Shallow forests (the usual case) walk as complete trees; deeper ones by child indices. Early-stopped models predict with their best iteration. */
  private forest(): ForestLayout {
    if (this.layout) return this.layout;
    const served = servedTrees(this.data);
    return (this.layout = CompleteForest.of(served) ?? new PackedForest(served));
  }

  /** Raw margins (`rows × groups`, row-major) before the objective's link, as XGBoost's `output_margin=True`. */
  predictMargin(x: DenseMatrix): Float64Array {
    this.checkMatrix(x);
    return forestMargins(this.forest(), x);
  }

  /** Predictions for every row of `x` (see the class comment for their meaning per objective). */
  predict(x: DenseMatrix): Float64Array {
    return this.finish(this.predictMargin(x), x.rows);
  }

  /** Prediction for one row (length `numFeatures`, `NaN` = missing); `outputsPerRow` values. */
  predictRow(row: ArrayLike<number>): Float64Array {
    if (row.length !== this.data.numFeatures) {
      throw new MlInputError(`Row has ${row.length} values; the model expects ${this.data.numFeatures} features.`, { column: row.length });
    }
    const buf = this.rowBuf;
    for (let j = 0; j < buf.length; j++) buf[j] = row[j] as number;
    const margin = new Float64Array(this.data.numGroups).fill(this.data.baseMargin);
    this.forest().addBlock(buf, 1, buf.length, margin, 0);
    return this.finish(margin, 1);
  }

  private finish(margin: Float64Array, rows: number): Float64Array {
    const G = this.data.numGroups;
    transformMargins(this.data.objective, margin, G);
    if (this.data.objective !== 'multi:softmax') return margin;
    const cls = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let g = 1; g < G; g++) if ((margin[i * G + g] as number) > (margin[i * G + best] as number)) best = g;
      cls[i] = best;
    }
    return cls;
  }

  private checkMatrix(x: DenseMatrix): void {
    if (x.cols !== this.data.numFeatures) {
      throw new MlInputError(`Data has ${x.cols} feature columns; the model was trained on ${this.data.numFeatures}.`, { column: x.cols });
    }
    if (x.data.length !== x.rows * x.cols) {
      throw new MlInputError(`Matrix data has ${x.data.length} values for ${x.rows} × ${x.cols}: rows are ragged.`, { row: x.rows });
    }
  }

  /**
   * Feature importance as XGBoost's `get_score`: keyed by feature name (or `f<index>`), only
   * features used in a split. `weight` counts splits; `gain`/`cover` average the split gain/cover;
   * `total_gain`/`total_cover` sum them.
   */
  featureImportance(type: ImportanceType = 'weight'): Record<string, number> {
    const count = new Float64Array(this.data.numFeatures);
    const gain = new Float64Array(this.data.numFeatures);
    const cover = new Float64Array(this.data.numFeatures);
    for (const t of this.data.trees) {
      for (let k = 0; k < t.left.length; k++) {
        const f = t.feature[k] as number;
        if ((t.left[k] as number) < 0 || f < 0) continue;
        count[f] = (count[f] as number) + 1;
        gain[f] = (gain[f] as number) + (t.gain[k] as number);
        cover[f] = (cover[f] as number) + (t.cover[k] as number);
      }
    }
    const out: Record<string, number> = {};
    for (let f = 0; f < this.data.numFeatures; f++) {
      const w = count[f] as number;
      if (w === 0) continue;
      const name = this.data.featureNames?.[f] ?? `f${f}`;
      const v = { weight: w, gain: (gain[f] as number) / w, cover: (cover[f] as number) / w, total_gain: gain[f] as number, total_cover: cover[f] as number }[type];
      if (v === undefined) throw new MlInputError(`Unknown importance type '${type}' (weight, gain, cover, total_gain, total_cover).`, { importance_type: type });
      out[name] = v;
    }
    return out;
  }

  /** The versioned JSON form (`JSON.stringify(model)` works too). */
  toJSON(): GbdtModelJson {
    const d = this.data;
    return {
      format: 'loam-gbdt',
      formatVersion: GBDT_FORMAT_VERSION,
      objective: d.objective,
      numGroups: d.numGroups,
      numFeatures: d.numFeatures,
      baseScore: d.baseScore,
      baseMargin: d.baseMargin,
      bestIteration: d.bestIteration,
      ...(d.featureNames ? { featureNames: [...d.featureNames] } : {}),
      treeGroup: Array.from(d.treeGroup),
      trees: d.trees.map(treeToJson),
    };
  }

  /**
   * Loads a model written by {@link toJSON} (an object or its JSON text).
   * @throws MlInputError when the text is not a Loam GBDT model, its format version is unknown, or a
   * field is missing or out of range (named in the message): e.g. `baseMargin` not a finite number.
   */
  static fromJSON(json: GbdtModelJson | string): GbdtModel {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<GbdtModelJson>;
    if (j === null || typeof j !== 'object' || j.format !== 'loam-gbdt') throw new MlInputError(`Not a Loam GBDT model (expected "format": "loam-gbdt").`, { field: 'format' });
    if (j.formatVersion !== GBDT_FORMAT_VERSION) {
      throw new MlInputError(`Unsupported GBDT model format version ${String(j.formatVersion)}; this build reads version ${GBDT_FORMAT_VERSION}.`, { field: 'formatVersion' });
    }
    if (typeof j.objective !== 'string' || !OBJECTIVES.has(j.objective)) throw new MlInputError(`Model's objective ${JSON.stringify(j.objective)} is not one Loam's GBDT trains.`, { field: 'objective' });
    for (const key of ['numGroups', 'numFeatures'] as const) {
      const v = j[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new MlInputError(`Model's ${key} ${JSON.stringify(v)} is not a positive whole number.`, { field: key });
    }
    // A missing base score or margin would make every prediction (and every resumed round) NaN.
    for (const key of ['baseScore', 'baseMargin'] as const) {
      const v = j[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new MlInputError(`Model's ${key} ${JSON.stringify(v)} is not a finite number.`, { field: key });
    }
    if (!Array.isArray(j.trees)) throw new MlInputError(`Model has no "trees" array.`, { field: 'trees' });
    const trees = j.trees.map((t, i) => treeFromJson(t, i, j.numFeatures!));
    const data: GbdtModelData = {
      objective: j.objective!,
      numGroups: j.numGroups!,
      numFeatures: j.numFeatures!,
      baseScore: j.baseScore!,
      baseMargin: j.baseMargin!,
      bestIteration: j.bestIteration ?? Math.max(0, trees.length / Math.max(1, j.numGroups ?? 1) - 1),
      trees,
      treeGroup: Int32Array.from(j.treeGroup ?? []),
      ...(j.featureNames ? { featureNames: j.featureNames } : {}),
    };
    if (data.treeGroup.length !== trees.length) throw new MlInputError(`Model has ${trees.length} trees but ${data.treeGroup.length} tree groups.`, { field: 'treeGroup' });
    const badGroup = (j.treeGroup ?? []).findIndex((g) => !(Number.isInteger(g) && g >= 0 && g < data.numGroups));
    if (badGroup >= 0) throw new MlInputError(`Model's treeGroup[${badGroup}] ${JSON.stringify(j.treeGroup![badGroup])} is not one of its ${data.numGroups} output groups.`, { field: 'treeGroup' });
    if (!Number.isInteger(data.bestIteration) || data.bestIteration < 0 || (data.bestIteration + 1) * data.numGroups > trees.length) {
      throw new MlInputError(`Model's bestIteration ${String(data.bestIteration)} is not one of its ${trees.length / Math.max(1, data.numGroups)} rounds.`, { field: 'bestIteration' });
    }
    return new GbdtModel(data);
  }
}

const OBJECTIVES: ReadonlySet<string> = new Set<GbdtObjective>(['binary:logistic', 'reg:squarederror', 'reg:logistic', 'multi:softprob', 'multi:softmax', 'count:poisson']);

/** One tree's JSON form (typed arrays as plain number arrays). */
export function treeToJson(t: GbdtTree): GbdtTreeJson {
  return {
    left: Array.from(t.left), right: Array.from(t.right), feature: Array.from(t.feature), threshold: Array.from(t.threshold),
    defaultLeft: Array.from(t.defaultLeft), value: Array.from(t.value), cover: Array.from(t.cover), gain: Array.from(t.gain),
  };
}

/**
 * One tree of a model file, checked as the walks rely on it: at least one node; every split's
 * children after it and in range (so the tree is acyclic), its feature a column of the model, its
 * `defaultLeft` 0 or 1. @throws MlInputError naming the tree and node.
 */
function treeFromJson(t: GbdtTreeJson, i: number, numFeatures: number): GbdtTree {
  const m = t.left?.length ?? 0;
  if (m === 0) throw new MlInputError(`Tree ${i} has no nodes.`, { tree: i });
  for (const key of ['right', 'feature', 'threshold', 'defaultLeft', 'value', 'cover', 'gain'] as const) {
    if (t[key]?.length !== m) throw new MlInputError(`Tree ${i}: '${key}' has ${t[key]?.length} entries; expected ${m}.`, { tree: i });
  }
  for (let k = 0; k < m; k++) {
    const bad = (what: string) => new MlInputError(`Tree ${i}, node ${k}: ${what}.`, { tree: i, node: k });
    if (t.defaultLeft[k] !== 0 && t.defaultLeft[k] !== 1) throw bad(`defaultLeft is ${String(t.defaultLeft[k])}; expected 0 or 1`);
    // JSON has no NaN: a null or missing entry would load as NaN (or 0) and spoil every prediction silently.
    for (const key of ['value', 'threshold'] as const) {
      const v = t[key][k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${key} is ${JSON.stringify(v)}; expected a finite number`);
    }
    const l = t.left[k] as number;
    const r = t.right[k] as number;
    if (!Number.isInteger(l) || !Number.isInteger(r)) throw bad(`children ${l} and ${r} must be whole numbers`);
    if (l < 0) continue;
    if (!(l > k && l < m && r > k && r < m && l !== r)) throw bad(`children ${l} and ${r} must be two nodes after it, below ${m}`);
    const f = t.feature[k] as number;
    if (!(Number.isInteger(f) && f >= 0 && f < numFeatures)) throw bad(`split feature ${f} is not a column of the model's ${numFeatures}`);
  }
  return {
    left: Int32Array.from(t.left), right: Int32Array.from(t.right), feature: Int32Array.from(t.feature), threshold: Float32Array.from(t.threshold),
    defaultLeft: Uint8Array.from(t.defaultLeft), value: Float64Array.from(t.value), cover: Float64Array.from(t.cover), gain: Float64Array.from(t.gain),
  };
}

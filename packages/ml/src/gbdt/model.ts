/**
 * The trained GBDT model's data: a forest of binary trees stored as flat typed arrays (one array per
 * node attribute, index 0 = root), plus what prediction needs around them. TreeSHAP, prediction,
 * importance and serialization all read this structure; it is XGBoost's tree model with the same
 * semantics, so a dump from one maps onto the other field by field.
 *
 * Per node `k` of a tree:
 * - `left[k]`, `right[k]`: child node indices, `-1` for a leaf.
 * - `feature[k]`: the split feature (column index), `-1` for a leaf.
 * - `threshold[k]`: the split condition; a row goes left when `x[feature] < threshold` (XGBoost's
 *   `split_condition`, strict less-than, compared in float32).
 * - `defaultLeft[k]`: `1` when a missing value (`NaN`) goes left, `0` when it goes right.
 * - `value[k]`: for a leaf, its output added to the margin (already multiplied by `eta`); for an
 *   internal node, the weight the node would have as a leaf (XGBoost's `base_weight × eta`), which
 *   TreeSHAP-style attributions and debugging use.
 * - `cover[k]`: the sum of hessians of the training rows that reached the node (XGBoost's `cover`).
 * - `gain[k]`: the split's loss reduction (XGBoost's `loss_chg`, the `gain` of its dumps); `0` for leaves.
 *
 * The margin of a row for output group `g` is `baseMargin + Σ value[leaf(tree)]` over trees with
 * `treeGroup[t] === g`; the objective's link turns margins into predictions.
 */

/** One tree, flattened. All arrays have the same length (the node count). */
export interface GbdtTree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
  readonly gain: Float64Array;
}

/** The objectives SageMaker's built-in XGBoost offers that this implementation supports. */
export type GbdtObjective =
  | 'binary:logistic'
  | 'reg:squarederror'
  | 'reg:logistic'
  | 'multi:softprob'
  | 'multi:softmax'
  | 'count:poisson';

/** The serialized model's format version; {@link GbdtModelData} readers refuse any other. */
export const GBDT_FORMAT_VERSION = 1;

/** Everything a model holds (the in-memory form; `GbdtModel` wraps it). */
export interface GbdtModelData {
  readonly objective: GbdtObjective;
  /** Number of output groups: `num_class` for multi-class objectives, else 1. */
  readonly numGroups: number;
  readonly numFeatures: number;
  /** XGBoost's `base_score`, in prediction space (a probability for logistic objectives). */
  readonly baseScore: number;
  /** The margin every row starts from: `base_score` through the objective's inverse link. */
  readonly baseMargin: number;
  readonly trees: readonly GbdtTree[];
  /** Output group of each tree (`t % num_class` for multi-class: one tree per class per round). */
  readonly treeGroup: Int32Array;
  readonly featureNames?: readonly string[];
  /** The boosting round with the best validation score when early stopping ran, else the last; predictions use the rounds up to it ({@link servedTrees}). */
  readonly bestIteration: number;
}

/** The JSON form: typed arrays become plain number arrays; `formatVersion` guards loading. */
export interface GbdtModelJson {
  readonly format: 'loam-gbdt';
  readonly formatVersion: number;
  readonly objective: GbdtObjective;
  readonly numGroups: number;
  readonly numFeatures: number;
  readonly baseScore: number;
  readonly baseMargin: number;
  readonly bestIteration: number;
  readonly featureNames?: readonly string[];
  readonly treeGroup: readonly number[];
  readonly trees: readonly GbdtTreeJson[];
}

export interface GbdtTreeJson {
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly defaultLeft: readonly number[];
  readonly value: readonly number[];
  readonly cover: readonly number[];
  readonly gain: readonly number[];
}

/**
 * The trees predictions use: the rounds up to `bestIteration` (an early-stopped model is served at its
 * best iteration, as SageMaker's XGBoost hosting does), which is every tree when training ran to the end.
 */
export function servedTrees(d: GbdtModelData): GbdtModelData {
  const keep = (d.bestIteration + 1) * d.numGroups;
  return keep >= d.trees.length ? d : { ...d, trees: d.trees.slice(0, keep), treeGroup: d.treeGroup.slice(0, keep) };
}

/** True when node `k` of `tree` is a leaf. */
export function isLeaf(tree: GbdtTree, k: number): boolean {
  return (tree.left[k] as number) < 0;
}

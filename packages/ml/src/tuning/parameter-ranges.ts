import { MlInputError } from '../errors.js';

/** SageMaker's `HyperParameterScalingType`. */
export type ScalingType = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

/** SageMaker's `HyperParameterTuningJobStrategyType`. */
export type TuningStrategyName = 'Bayesian' | 'Random' | 'Grid' | 'Hyperband';

/** A validated, parsed tunable hyperparameter. `scaling` is resolved (never `Auto`). */
export type ParameterRange =
  | { readonly type: 'Integer'; readonly name: string; readonly min: number; readonly max: number; readonly scaling: ResolvedScaling }
  | { readonly type: 'Continuous'; readonly name: string; readonly min: number; readonly max: number; readonly scaling: ResolvedScaling }
  | { readonly type: 'Categorical'; readonly name: string; readonly values: readonly string[] };

export type ResolvedScaling = Exclude<ScalingType, 'Auto'>;

/** The API's `ParameterRanges` member, typed structurally (values are strings, as on the wire). */
export interface ParameterRangesInput {
  readonly IntegerParameterRanges?: readonly NumericRangeInput[];
  readonly ContinuousParameterRanges?: readonly NumericRangeInput[];
  readonly CategoricalParameterRanges?: readonly { readonly Name: string; readonly Values: readonly string[] }[];
}

export interface NumericRangeInput {
  readonly Name: string;
  readonly MinValue: string;
  readonly MaxValue: string;
  readonly ScalingType?: ScalingType;
}

/** SageMaker's limits ([DG] automatic-model-tuning-limits). */
export const MAX_TUNABLE_PARAMETERS = 30;
export const MAX_CATEGORICAL_VALUES = 30;

/**
 * Parses and validates `ParameterRanges` with SageMaker's rules, throwing an {@link MlInputError}
 * whose message and `where.parameterRange` name the offending range:
 * - numbers parse (integers for integer ranges), `MinValue ≤ MaxValue` (strictly `<` for continuous);
 * - `Logarithmic` only when both bounds are > 0;
 * - `ReverseLogarithmic` only on continuous ranges with `0 ≤ MinValue` and `MaxValue < 1`;
 * - categorical ranges hold 1–30 distinct values; names are unique; at most 30 ranges in all;
 * - `Grid` takes categorical ranges only.
 *
 * `Auto` resolves to `Logarithmic` when the range is positive and spans at least two orders of
 * magnitude, otherwise `Linear` (SageMaker leaves the choice to the service; this is ours).
 */
export function parseParameterRanges(input: ParameterRangesInput, strategy: TuningStrategyName): ParameterRange[] {
  const out: ParameterRange[] = [];
  const seen = new Set<string>();
  const claim = (name: string, kind: string): void => {
    if (typeof name !== 'string' || name.length === 0) throw fail(name, `${kind} parameter range has an empty Name.`);
    if (seen.has(name)) throw fail(name, `Parameter range '${name}' is defined more than once.`);
    seen.add(name);
  };
  for (const r of input.IntegerParameterRanges ?? []) {
    claim(r.Name, 'Integer');
    out.push(parseNumeric(r, 'Integer', strategy));
  }
  for (const r of input.ContinuousParameterRanges ?? []) {
    claim(r.Name, 'Continuous');
    out.push(parseNumeric(r, 'Continuous', strategy));
  }
  for (const r of input.CategoricalParameterRanges ?? []) {
    claim(r.Name, 'Categorical');
    const values = r.Values ?? [];
    if (values.length < 1 || values.length > MAX_CATEGORICAL_VALUES) {
      throw fail(r.Name, `Categorical parameter range '${r.Name}' must have 1 to ${MAX_CATEGORICAL_VALUES} values; got ${values.length}.`);
    }
    if (new Set(values).size !== values.length) throw fail(r.Name, `Categorical parameter range '${r.Name}' has duplicate values.`);
    out.push({ type: 'Categorical', name: r.Name, values: [...values] });
  }
  if (out.length === 0) throw new MlInputError('ParameterRanges must define at least one range.', { parameterRange: '' });
  if (out.length > MAX_TUNABLE_PARAMETERS) {
    throw new MlInputError(`ParameterRanges define ${out.length} tunable hyperparameters; the maximum is ${MAX_TUNABLE_PARAMETERS}.`, { parameterRange: '' });
  }
  return out;
}

function parseNumeric(r: NumericRangeInput, type: 'Integer' | 'Continuous', strategy: TuningStrategyName): ParameterRange {
  const name = r.Name;
  const label = `${type} parameter range '${name}'`;
  if (strategy === 'Grid') {
    throw fail(name, `${label} is not allowed with the Grid strategy, which takes categorical parameter ranges only.`);
  }
  const min = parseBound(r.MinValue, `${label} MinValue`, name, type);
  const max = parseBound(r.MaxValue, `${label} MaxValue`, name, type);
  if (type === 'Integer' ? min > max : min >= max) {
    throw fail(name, `${label} needs MinValue ${type === 'Integer' ? '≤' : '<'} MaxValue; got MinValue '${r.MinValue}' and MaxValue '${r.MaxValue}'.`);
  }
  const requested = r.ScalingType ?? 'Auto';
  if (!['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'].includes(requested)) {
    throw fail(name, `${label} has ScalingType '${requested}'; valid values are Auto, Linear, Logarithmic, ReverseLogarithmic.`);
  }
  if (requested === 'Logarithmic' && min <= 0) {
    throw fail(name, `${label} uses Logarithmic scaling, which needs MinValue and MaxValue greater than 0; got MinValue '${r.MinValue}'.`);
  }
  if (requested === 'ReverseLogarithmic') {
    if (type === 'Integer') throw fail(name, `${label} cannot use ReverseLogarithmic scaling, which is for continuous ranges only.`);
    if (min < 0 || max >= 1) {
      throw fail(name, `${label} uses ReverseLogarithmic scaling, which needs 0 ≤ MinValue and MaxValue < 1; got '${r.MinValue}' to '${r.MaxValue}'.`);
    }
  }
  const scaling: ResolvedScaling = requested === 'Auto' ? (min > 0 && max / min >= 100 ? 'Logarithmic' : 'Linear') : requested;
  return { type, name, min, max, scaling };
}

function parseBound(text: string, label: string, name: string, type: 'Integer' | 'Continuous'): number {
  const v = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
  if (!Number.isFinite(v)) throw fail(name, `${label} must be a number; got '${String(text)}'.`);
  if (type === 'Integer' && !Number.isInteger(v)) throw fail(name, `${label} must be an integer; got '${text}'.`);
  return v;
}

function fail(name: string, message: string): MlInputError {
  return new MlInputError(message, { parameterRange: String(name) });
}

/** The number of configurations a Grid search over these (categorical) ranges enumerates. */
export function gridSize(ranges: readonly ParameterRange[]): number {
  let n = 1;
  for (const r of ranges) n *= r.type === 'Categorical' ? r.values.length : Number.POSITIVE_INFINITY;
  return n;
}

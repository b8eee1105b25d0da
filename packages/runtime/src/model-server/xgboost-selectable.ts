import type { GbdtObjective } from '@loam/ml/gbdt/index';

/**
 * SageMaker's XGBoost selectable inference output: with `SAGEMAKER_INFERENCE_OUTPUT` in the model's
 * Environment (e.g. `predicted_label,probability`, as Autopilot's XGBoost containers set it), each row
 * is answered with those keys instead of its bare score.
 */
export type SelectKey = 'predicted_label' | 'labels' | 'probability' | 'probabilities' | 'raw_score' | 'raw_scores' | 'predicted_score';

/** The order a JSON record holds its keys in (the container's), whatever order they were asked in. */
const RECORD_ORDER: readonly SelectKey[] = ['predicted_label', 'labels', 'probability', 'probabilities', 'raw_score', 'raw_scores', 'predicted_score'];

const classification: readonly SelectKey[] = ['predicted_label', 'labels', 'probability', 'probabilities', 'raw_score', 'raw_scores'];
/** The keys each objective can answer; count:poisson has none, as in SageMaker's container. */
const VALID: Readonly<Partial<Record<GbdtObjective, readonly SelectKey[]>>> = {
  'reg:squarederror': ['predicted_score'],
  'reg:logistic': ['predicted_score'],
  'binary:logistic': classification,
  'multi:softprob': classification,
  'multi:softmax': ['predicted_label', 'labels', 'raw_score', 'raw_scores'],
};

export class SelectableOutputError extends Error {
  override readonly name = 'SelectableOutputError';
}

/**
 * The keys `SAGEMAKER_INFERENCE_OUTPUT` asks for (spaces ignored, any case, in the order given), or
 * undefined when it is not set. @throws SelectableOutputError naming a key the objective cannot
 * answer (SageMaker's container answers it with NaN, which is not JSON) or an objective with none.
 */
export function selectedOutputs(env: Readonly<Record<string, string | undefined>>, objective: GbdtObjective): readonly SelectKey[] | undefined {
  const raw = env['SAGEMAKER_INFERENCE_OUTPUT'];
  if (raw === undefined) return undefined;
  const valid = VALID[objective];
  if (!valid) throw new SelectableOutputError(`SAGEMAKER_INFERENCE_OUTPUT is set, but objective '${objective}' has no selectable inference output.`);
  const keys = raw.replaceAll(' ', '').toLowerCase().split(',').filter((k) => k !== '');
  if (keys.length === 0) throw new SelectableOutputError('SAGEMAKER_INFERENCE_OUTPUT names no key.');
  for (const k of keys) {
    if (!(valid as readonly string[]).includes(k)) throw new SelectableOutputError(`SAGEMAKER_INFERENCE_OUTPUT key '${k}' is not available for objective '${objective}'; use ${valid.join(', ')}.`);
  }
  return keys as SelectKey[];
}

type Value = number | readonly number[];

/** One row's selected record, from its scores (`perRow` of them: class probabilities for multi:softprob). */
export function selectRecord(keys: readonly SelectKey[], objective: GbdtObjective, numClass: number, scores: Float64Array, perRow: number, row: number): Record<string, Value> {
  const s = scores.subarray(row * perRow, (row + 1) * perRow);
  const v = s[0] as number;
  const argmax = () => s.reduce((best, x, i) => (x > (s[best] as number) ? i : best), 0);
  const max = () => s[argmax()] as number;
  const value = (k: SelectKey): Value => {
    switch (k) {
      case 'predicted_label': return objective === 'binary:logistic' ? (v > 0.5 ? 1 : 0) : objective === 'multi:softprob' ? argmax() : v;
      case 'labels': return objective === 'binary:logistic' ? [0, 1] : Array.from({ length: numClass }, (_, i) => i);
      case 'probability': return objective === 'multi:softprob' ? max() : v;
      case 'probabilities': return objective === 'multi:softprob' ? Array.from(s) : [1 - v, v];
      case 'raw_score': return objective === 'multi:softprob' ? max() : v;
      case 'raw_scores': return objective === 'multi:softprob' ? Array.from(s) : [1 - v, v];
      case 'predicted_score': return v;
    }
  };
  const out: Record<string, Value> = {};
  for (const k of RECORD_ORDER) if (keys.includes(k)) out[k] = value(k);
  return out;
}

/** A float as Python's str() writes it (`1.0`, not `1`), for the CSV the container writes. */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

const intKeys: ReadonlySet<string> = new Set(['labels']);

/**
 * CSV: one line per row, the values in the order the keys were asked for; a list is written as
 * Python prints it, quoted (`"[0.25, 0.75]"`). Integer labels stay integers; the binary and
 * softprob predicted_label is an integer, multi:softmax's a float, as the container writes them.
 */
export function selectedCsv(records: readonly Record<string, Value>[], keys: readonly SelectKey[], objective: GbdtObjective, batch: boolean): string {
  const cell = (k: SelectKey, x: Value): string => {
    const num = (n: number) => (intKeys.has(k) || (k === 'predicted_label' && objective !== 'multi:softmax') ? String(n) : pyFloat(n));
    return typeof x === 'number' ? num(x) : `"[${x.map(num).join(', ')}]"`;
  };
  const text = records.map((r) => keys.map((k) => cell(k, r[k] as Value)).join(',')).join('\n');
  return batch ? `${text}\n` : text;
}

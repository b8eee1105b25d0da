/** The benchmark's panels (datasets/timeseries/<name>.jsonl) and the one DeepAR recipe they share. */

/** Hyperparameters every panel uses (bench/RESULTS-forecast.md, "Hyperparameters"). */
export const RECIPE: Readonly<Record<string, string>> = {
  num_cells: '30', num_layers: '2', likelihood: 'student-T', mini_batch_size: '32', learning_rate: '0.003', dropout_rate: '0.05',
};

/**
 * Per panel: frequency, horizon (the peer's h) and the DeepAR hyperparameters: `common` on top of
 * {@link RECIPE}, context_length = contextMult × prediction_length (monthly3's may be given).
 */
export function panels(common: Readonly<Record<string, string>>, contextMult = 2, monthly3Context?: string): Record<string, { hp: Record<string, string> }> {
  const ctx = (h: number): string => String(Math.round(contextMult * h));
  const all = { ...RECIPE, ...common };
  return {
    monthly3: { hp: { time_freq: 'M', prediction_length: '12', context_length: monthly3Context ?? ctx(12), ...all, embedding_dimension: '4' } },
    macro9: { hp: { time_freq: '3M', prediction_length: '8', context_length: ctx(8), ...all, embedding_dimension: '4' } },
    sunspots: { hp: { time_freq: '12M', prediction_length: '11', context_length: ctx(11), ...all } },
    nile: { hp: { time_freq: '12M', prediction_length: '10', context_length: ctx(10), ...all } },
  };
}

/** The value after `--<name>` in `args`, else `dflt` (the bench scripts' options). */
export function cliOption(args: readonly string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : dflt;
}

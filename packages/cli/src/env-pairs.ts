import { InputError } from './flags.js';

/**
 * `--env KEY=VALUE …` as an Environment map (a model's container, a transform job).
 * @throws Error naming the pair that is not KEY=VALUE.
 */
export function envPairs(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InputError(`--env '${p}' must be KEY=VALUE.`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

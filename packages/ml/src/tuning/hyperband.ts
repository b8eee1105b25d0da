import { MlInputError } from '../errors.js';
import type { ObjectiveDirection } from './strategy.js';

/** One Hyperband bracket (Li et al., 2018, Algorithm 1): `n` configurations starting at resource `r`. */
export interface HyperbandBracket {
  /** Bracket index `s` (s_max … 0); larger means more aggressive early stopping. */
  readonly s: number;
  /** Configurations the synchronous algorithm would start in this bracket: ⌈(s_max+1)/(s+1) · η^s⌉. */
  readonly n: number;
  /** First rung's resource: `R · η^−s` (times MinResource-scaled units). */
  readonly r: number;
  /** Resources at which a running trial of this bracket is compared with its peers (below MaxResource). */
  readonly rungs: readonly number[];
}

/** SageMaker's `HyperbandStrategyConfig`; Loam uses η = 3, the paper's and SageMaker's default. */
export interface HyperbandConfig {
  readonly minResource: number;
  readonly maxResource: number;
  readonly eta?: number;
}

/**
 * The brackets for `MinResource`/`MaxResource`: `s_max = ⌊log_η(MaxResource / MinResource)⌋`, and
 * bracket `s` starts its trials at `MaxResource · η^−s` (never below MinResource), then keeps the best
 * `1/η` at each rung `r · η^i`.
 */
export function hyperbandBrackets({ minResource, maxResource, eta = 3 }: HyperbandConfig): HyperbandBracket[] {
  if (!Number.isInteger(minResource) || minResource < 1) {
    throw new MlInputError(`HyperbandStrategyConfig MinResource must be a positive integer; got '${minResource}'.`, { field: 'MinResource' });
  }
  if (!Number.isInteger(maxResource) || maxResource < minResource) {
    throw new MlInputError(`HyperbandStrategyConfig MaxResource must be an integer ≥ MinResource (${minResource}); got '${maxResource}'.`, { field: 'MaxResource' });
  }
  // The small epsilon keeps exact powers (81/1 with η = 3) from flooring to one less.
  const sMax = Math.floor(Math.log(maxResource / minResource) / Math.log(eta) + 1e-9);
  const out: HyperbandBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s);
    const r = Math.max(minResource, maxResource * eta ** -s);
    const rungs: number[] = [];
    for (let i = 0; i < s; i++) {
      const rung = Math.round(r * eta ** i);
      if (rung < maxResource && !rungs.includes(rung)) rungs.push(rung);
    }
    out.push({ s, n, r, rungs });
  }
  return out;
}

/**
 * Hyperband run asynchronously, as a tuning job does (trials start whenever a slot frees, and a
 * running trial is stopped when it falls behind): trials are dealt to brackets in proportion to each
 * bracket's `n`, interleaved so small jobs use every bracket; at each of its bracket's rungs a trial
 * continues only if it ranks in the top `max(1, ⌊k/η⌋)` of the `k` trials of that bracket that
 * reached the rung so far (the asynchronous successive-halving rule of Li et al., 2020, in its
 * stopping form, as Optuna's `SuccessiveHalvingPruner`).
 */
export class HyperbandScheduler {
  readonly brackets: readonly HyperbandBracket[];
  readonly eta: number;
  private readonly order: number[];

  constructor(config: HyperbandConfig) {
    this.eta = config.eta ?? 3;
    this.brackets = hyperbandBrackets(config);
    this.order = [];
    const most = Math.max(...this.brackets.map((b) => b.n));
    for (let k = 0; k < most; k++) this.brackets.forEach((b, i) => k < b.n && this.order.push(i));
  }

  /** The bracket (index into {@link brackets}) of the `trialIndex`-th trial. */
  bracketOf(trialIndex: number): number {
    return this.order[trialIndex % this.order.length] as number;
  }

  /**
   * Whether a trial whose objective at rung `resource` is `value` should stop, given the values at the
   * same rung of the other trials of its bracket (`peers`, not including this trial). Only rungs of
   * the trial's bracket decide; other resources always continue.
   */
  shouldStop(bracket: number, resource: number, value: number, peers: readonly number[], direction: ObjectiveDirection): boolean {
    if (!this.brackets[bracket]?.rungs.includes(resource)) return false;
    const sign = direction === 'Maximize' ? -1 : 1;
    const all = [...peers, value].map((v) => sign * v).sort((a, b) => a - b);
    const keep = Math.max(1, Math.floor(all.length / this.eta));
    return sign * value > (all[keep - 1] as number);
  }
}

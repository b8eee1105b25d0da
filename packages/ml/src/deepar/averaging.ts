/**
 * Exponential moving average of a weight vector (Polyak averaging), for the Loam extension `_averaging=ema`.
 * Bias-corrected: the average weighs the updates seen so far by decay^age and divides by the sum of those
 * weights, so it never includes the initial weights and its first value is the first update's weights.
 */
export class WeightAverage {
  /** The current average (live: copy it to keep it). */
  readonly params: Float64Array;
  private norm = 0;

  /** @param decay weight kept by the average at each update, in [0, 1). */
  constructor(size: number, private readonly decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`WeightAverage: decay must be in [0, 1); got ${decay}`);
    this.params = new Float64Array(size);
  }

  /** Folds `live` (the weights after an optimiser step) into the average. */
  update(live: Float64Array): void {
    this.norm = this.decay * this.norm + 1;
    const k = 1 / this.norm;
    const avg = this.params;
    for (let i = 0; i < avg.length; i++) avg[i] = (avg[i] as number) + ((live[i] as number) - (avg[i] as number)) * k;
  }
}

/** Time constant of `_averaging=ema`, in epochs: the average's weights decay by 1/e over this many epochs. */
export const EMA_EPOCHS = 5;

/** Per-batch decay giving a time constant of {@link EMA_EPOCHS} epochs of `batchesPerEpoch` batches. */
export function emaDecay(batchesPerEpoch: number): number {
  return Math.exp(-1 / (EMA_EPOCHS * batchesPerEpoch));
}

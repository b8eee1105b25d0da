import type { Rng } from '../data/random.js';
import type { ParameterRange } from './parameter-ranges.js';

/** One hyperparameter configuration: numbers for integer and continuous ranges, strings for categorical. */
export type Configuration = Readonly<Record<string, number | string>>;

/** Where each range lives in the encoded vector. */
export interface DimensionGroup {
  readonly range: ParameterRange;
  readonly offset: number;
  /** 1 for numeric ranges, the value count for categorical ones (one-hot). */
  readonly size: number;
}

/**
 * Maps configurations to points of the unit cube the surrogate works in, and back:
 * - numeric ranges take one coordinate, warped by their scaling (log for `Logarithmic`, log of
 *   `1 − x` for `ReverseLogarithmic`), so a uniform draw in the cube is a log-uniform draw of `x`;
 * - integer ranges own equal-width cells `[k − ½, k + ½]` of the (warped) axis, so rounding is fair
 *   to the end points and {@link snap} moves a point to the centre of its integer's cell;
 * - categorical ranges are one-hot blocks; {@link snap} keeps only the largest entry.
 * Evaluating the acquisition only at snapped points is what makes integer and categorical dimensions
 * behave (Garrido-Merchán & Hernández-Lobato, 2020).
 */
export class SearchSpace {
  readonly groups: readonly DimensionGroup[];
  readonly dims: number;

  constructor(readonly ranges: readonly ParameterRange[]) {
    const groups: DimensionGroup[] = [];
    let offset = 0;
    for (const range of ranges) {
      const size = range.type === 'Categorical' ? range.values.length : 1;
      groups.push({ range, offset, size });
      offset += size;
    }
    this.groups = groups;
    this.dims = offset;
  }

  /** A uniform draw in the warped space, snapped. */
  sample(rng: Rng): Float64Array {
    const u = new Float64Array(this.dims);
    for (const g of this.groups) {
      if (g.range.type === 'Categorical') u[g.offset + rng.int(g.size)] = 1;
      else u[g.offset] = rng.next();
    }
    return this.snap(u);
  }

  /** Moves `u` (in place) to the point the configuration it decodes to encodes as. */
  snap(u: Float64Array): Float64Array {
    for (const g of this.groups) {
      const r = g.range;
      if (r.type === 'Categorical') {
        let best = 0;
        for (let k = 1; k < g.size; k++) if ((u[g.offset + k] as number) > (u[g.offset + best] as number)) best = k;
        for (let k = 0; k < g.size; k++) u[g.offset + k] = k === best ? 1 : 0;
      } else {
        const x = clamp01(u[g.offset] as number);
        u[g.offset] = r.type === 'Integer' ? toUnit(r, fromUnit(r, x)) : x;
      }
    }
    return u;
  }

  /** The configuration a point of the cube stands for. */
  decode(u: Float64Array): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    for (const g of this.groups) {
      const r = g.range;
      if (r.type === 'Categorical') {
        let best = 0;
        for (let k = 1; k < g.size; k++) if ((u[g.offset + k] as number) > (u[g.offset + best] as number)) best = k;
        out[r.name] = r.values[best] as string;
      } else {
        out[r.name] = fromUnit(r, clamp01(u[g.offset] as number));
      }
    }
    return out;
  }

  /**
   * The point for a configuration, or `undefined` when it cannot be placed (a missing name or a
   * categorical value this space does not have — e.g. a warm-start parent tuned other values).
   * Numeric values outside the range are clamped to it.
   */
  encode(config: Configuration): Float64Array | undefined {
    const u = new Float64Array(this.dims);
    for (const g of this.groups) {
      const r = g.range;
      const v = config[r.name];
      if (v === undefined) return undefined;
      if (r.type === 'Categorical') {
        const k = r.values.indexOf(String(v));
        if (k < 0) return undefined;
        u[g.offset + k] = 1;
      } else {
        const x = typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(x)) return undefined;
        u[g.offset] = toUnit(r, Math.min(r.max, Math.max(r.min, x)));
      }
    }
    return u;
  }

  /** A canonical string for a configuration, to recognise repeats. */
  key(config: Configuration): string {
    return this.ranges.map((r) => String(config[r.name])).join('\u0000');
  }
}

type NumericRange = Extract<ParameterRange, { min: number }>;

/** Bounds of the warped axis; integer ranges widen by half a unit each side so every integer gets an equal cell. */
function warpedBounds(r: NumericRange): [number, number] {
  const pad = r.type === 'Integer' ? 0.5 : 0;
  return [warp(r, r.min - pad), warp(r, r.max + pad)];
}

function warp(r: NumericRange, x: number): number {
  if (r.scaling === 'Logarithmic') return Math.log(x);
  if (r.scaling === 'ReverseLogarithmic') return -Math.log(1 - x);
  return x;
}

function unwarp(r: NumericRange, w: number): number {
  if (r.scaling === 'Logarithmic') return Math.exp(w);
  if (r.scaling === 'ReverseLogarithmic') return 1 - Math.exp(-w);
  return w;
}

/** Value in the range → coordinate in [0, 1]. */
export function toUnit(r: NumericRange, x: number): number {
  const [lo, hi] = warpedBounds(r);
  return clamp01((warp(r, x) - lo) / (hi - lo));
}

/** Coordinate in [0, 1] → value in the range (rounded for integer ranges, clamped to the bounds). */
export function fromUnit(r: NumericRange, u: number): number {
  const [lo, hi] = warpedBounds(r);
  const x = unwarp(r, lo + clamp01(u) * (hi - lo));
  const v = r.type === 'Integer' ? Math.round(x) : x;
  return Math.min(r.max, Math.max(r.min, v));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

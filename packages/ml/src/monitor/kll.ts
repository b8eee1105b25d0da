import { Rng } from '../data/random.js';

/** Model Monitor's KLL parameters: sketch size k and shrinking factor c. */
export const KLL_DEFAULT_K = 2048;
export const KLL_DEFAULT_C = 0.64;

/** The `sketch` object of statistics.json: compactor levels, lowest (weight 1) first. */
export interface KllSketchJson {
  readonly parameters: { readonly c: number; readonly k: number };
  readonly data: number[][];
}

/**
 * A KLL quantile sketch (Karnin, Lang & Liberty 2016) with lazy compaction, in the form Model Monitor
 * serialises: level h holds items of weight 2^h; level h's capacity is ⌈k·c^(H−h−1)⌉ + 1 for H levels.
 * Streaming updates keep the normalised rank error near 1/k·O(1) (≤ 0.5 % for k = 2048 in our tests).
 * {@link KllSketch.fromSorted} builds the same structure directly from a fully sorted column, with a
 * deterministic rank error below 1/k.
 */
export class KllSketch {
  private levels: number[][] = [[]];
  private size = 0;
  private count = 0;
  private readonly rng: Rng;

  constructor(
    readonly k = KLL_DEFAULT_K,
    readonly c = KLL_DEFAULT_C,
    seed = 0,
  ) {
    this.rng = new Rng(seed);
  }

  /** Number of values summarised (the sum of item weights). */
  get n(): number {
    return this.count;
  }

  private capacity(h: number): number {
    return Math.ceil(this.k * this.c ** (this.levels.length - h - 1)) + 1;
  }

  private maxSize(): number {
    let s = 0;
    for (let h = 0; h < this.levels.length; h++) s += this.capacity(h);
    return s;
  }

  /** Adds one value (NaN is ignored: missing values are counted elsewhere). */
  update(x: number): void {
    if (x !== x) return;
    (this.levels[0] as number[]).push(x);
    this.size++;
    this.count++;
    if (this.size >= this.maxSize()) this.compress();
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h] as number[];
      if (level.length >= this.capacity(h)) {
        if (h + 1 >= this.levels.length) this.levels.push([]);
        const sorted = Float64Array.from(level).sort();
        const odd = sorted.length % 2 === 1;
        // An odd item stays behind so the promoted pairs are whole.
        const keep = odd ? [sorted[sorted.length - 1] as number] : [];
        const end = odd ? sorted.length - 1 : sorted.length;
        const up = this.levels[h + 1] as number[];
        for (let i = this.rng.next() < 0.5 ? 0 : 1; i < end; i += 2) up.push(sorted[i] as number);
        this.levels[h] = keep;
        this.size = this.levels.reduce((s, l) => s + l.length, 0);
        if (this.size < this.maxSize()) break;
      }
    }
  }

  /** Merges another sketch into this one (same k and c). */
  merge(other: KllSketch): void {
    while (this.levels.length < other.levels.length) this.levels.push([]);
    other.levels.forEach((l, h) => (this.levels[h] as number[]).push(...l));
    this.count += other.count;
    this.size = this.levels.reduce((s, l) => s + l.length, 0);
    while (this.size >= this.maxSize()) {
      const before = this.size;
      this.compress();
      if (this.size === before) break;
    }
  }

  /**
   * Builds a sketch from a column sorted ascending (no NaN): level L, the lowest with n / 2^L ≤ k,
   * keeps the middle item of each run of 2^L values; the leftover top values go to lower levels by the
   * binary digits of their count. Every item stands for a run of consecutive values it lies in, so the
   * rank error is below 2^(L−1)/n < 1/k.
   */
  static fromSorted(sorted: Float64Array, k = KLL_DEFAULT_K, c = KLL_DEFAULT_C): KllSketch {
    const s = new KllSketch(k, c);
    const n = sorted.length;
    let L = 0;
    while (n / 2 ** L > k) L++;
    s.levels = Array.from({ length: L + 1 }, () => [] as number[]);
    const w = 2 ** L;
    const full = Math.floor(n / w);
    const mid = (w >> 1) - (w > 1 ? 1 : 0);
    const top = s.levels[L] as number[];
    for (let i = 0; i < full; i++) top.push(sorted[i * w + mid] as number);
    let pos = full * w;
    for (let h = L - 1; h >= 0; h--) {
      const wh = 2 ** h;
      if (n - pos >= wh) {
        (s.levels[h] as number[]).push(sorted[pos + (wh >> 1)] as number);
        pos += wh;
      }
    }
    s.count = n;
    s.size = s.levels.reduce((a, l) => a + l.length, 0);
    return s;
  }

  /** Items and their weights, sorted by value. */
  weighted(): { items: Float64Array; cum: Float64Array } {
    const pairs: [number, number][] = [];
    this.levels.forEach((l, h) => {
      for (const x of l) pairs.push([x, 2 ** h]);
    });
    pairs.sort((p, q) => p[0] - q[0]);
    const items = new Float64Array(pairs.length);
    const cum = new Float64Array(pairs.length);
    let acc = 0;
    pairs.forEach(([x, w], i) => {
      items[i] = x;
      acc += w;
      cum[i] = acc;
    });
    return { items, cum };
  }

  /** Estimated number of values `<= x`. */
  countAtMost(x: number): number {
    const { items, cum } = this.weighted();
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if ((items[m] as number) <= x) lo = m + 1;
      else hi = m;
    }
    return lo === 0 ? 0 : (cum[lo - 1] as number);
  }

  /** Estimated `q`-quantile: the smallest item whose cumulative weight reaches q·n. */
  quantile(q: number): number {
    const { items, cum } = this.weighted();
    if (items.length === 0) return Number.NaN;
    const target = q * this.count;
    for (let i = 0; i < items.length; i++) if ((cum[i] as number) >= target) return items[i] as number;
    return items[items.length - 1] as number;
  }

  /** `buckets` equal-width buckets from `min` to `max` with estimated counts, as statistics.json lists them. */
  buckets(min: number, max: number, buckets = 10): { lower_bound: number; upper_bound: number; count: number }[] {
    const { items, cum } = this.weighted();
    const out: { lower_bound: number; upper_bound: number; count: number }[] = [];
    const width = (max - min) / buckets;
    let i = 0;
    let prev = 0;
    for (let b = 0; b < buckets; b++) {
      const lower = min + b * width;
      const upper = b === buckets - 1 ? max : min + (b + 1) * width;
      while (i < items.length && (items[i] as number) <= upper) i++;
      const acc = i === 0 ? 0 : (cum[i - 1] as number);
      out.push({ lower_bound: lower, upper_bound: upper, count: acc - prev });
      prev = acc;
    }
    return out;
  }

  toJSON(): KllSketchJson {
    return { parameters: { c: this.c, k: this.k }, data: this.levels.map((l) => [...l]) };
  }

  /** Rebuilds a sketch from statistics.json (e.g. a baseline's), for comparison with a current one. */
  static fromJSON(json: KllSketchJson): KllSketch {
    const s = new KllSketch(json.parameters.k, json.parameters.c);
    s.levels = json.data.map((l) => [...l]);
    s.count = json.data.reduce((acc, l, h) => acc + l.length * 2 ** h, 0);
    s.size = json.data.reduce((acc, l) => acc + l.length, 0);
    return s;
  }
}

/**
 * L∞ distance between the CDFs two sketches estimate (max over every item of either sketch) — the
 * distance Model Monitor's baseline_drift_check compares with `comparison_threshold`.
 */
export function kllLInfinity(a: KllSketch, b: KllSketch): number {
  const wa = a.weighted();
  const wb = b.weighted();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < wa.items.length || j < wb.items.length) {
    const x = Math.min(i < wa.items.length ? (wa.items[i] as number) : Infinity, j < wb.items.length ? (wb.items[j] as number) : Infinity);
    while (i < wa.items.length && (wa.items[i] as number) <= x) i++;
    while (j < wb.items.length && (wb.items[j] as number) <= x) j++;
    const fa = i === 0 ? 0 : (wa.cum[i - 1] as number) / a.n;
    const fb = j === 0 ? 0 : (wb.cum[j - 1] as number) / b.n;
    d = Math.max(d, Math.abs(fa - fb));
  }
  return d;
}

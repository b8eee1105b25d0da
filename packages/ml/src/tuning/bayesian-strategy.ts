import { Rng } from '../data/random.js';
import { logExpectedImprovement } from './acquisition.js';
import { fitGaussianProcess, GaussianProcess } from './gaussian-process.js';
import { fitQuadraticMean } from './prior-mean.js';
import { SearchSpace, type Configuration } from './search-space.js';
import { deriveSeed, type SearchStrategy, type StrategyOptions, type SuggestRequest, type TrialRecord } from './strategy.js';

export interface BayesianOptions extends StrategyOptions {
  /** Size of the space-filling initial design (Latin hypercube); default 5 (fewer initial points left more budget for the model; see the ADR). */
  readonly initialPoints?: number;
  /** Uniform candidates scored per suggestion before local search; default `min(4000, 400 · dims)`. */
  readonly candidates?: number;
}

/**
 * Bayesian optimisation: a Matérn-5/2 ARD Gaussian process on the unit cube (see
 * {@link SearchSpace} for the warping, rounding and one-hot encoding) around a fitted quadratic prior
 * mean (see {@link fitQuadraticMean}), hyperparameters by maximum a
 * posteriori marginal likelihood, and log expected improvement maximised by scoring uniform and
 * near-incumbent candidates, then refining the best few with a (1+1) evolution strategy. Parallel
 * slots are filled with the Kriging believer: each pending point (running trials and earlier picks
 * of the same batch) enters the GP with its posterior mean as the observation. Design and the
 * alternatives measured: docs/adr/0010-bayesian-tuning.md.
 */
export class BayesianStrategy implements SearchStrategy {
  private readonly space: SearchSpace;
  private readonly initialPoints: number;
  private readonly candidates: number;
  private readonly sign: number;

  constructor(private readonly options: BayesianOptions) {
    this.space = new SearchSpace(options.ranges);
    this.initialPoints = options.initialPoints ?? 5;
    this.candidates = options.candidates ?? Math.min(4000, 400 * this.space.dims);
    this.sign = options.objective === 'Maximize' ? -1 : 1;
  }

  suggest({ history, count }: SuggestRequest): Configuration[] {
    const space = this.space;
    const seen = new Set(history.map((t) => space.key(t.config)));
    const xs: Float64Array[] = [];
    const ys: number[] = [];
    const pending: Float64Array[] = [];
    for (const t of history) {
      const u = space.encode(t.config);
      if (!u) continue;
      if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) {
        xs.push(u);
        ys.push(this.sign * t.value);
      } else if (t.state === 'pending') {
        pending.push(u);
      }
    }
    const out: Configuration[] = [];
    const design = this.initialDesign();
    for (let i = 0; i < count; i++) {
      const index = history.length + i;
      const rng = new Rng(deriveSeed(this.options.seed, index));
      let u: Float64Array | undefined;
      if (index < design.length) u = design[index];
      else if (xs.length >= 2) u = this.optimiseAcquisition(xs, ys, pending, seen, rng);
      u ??= space.sample(rng);
      let config = space.decode(u);
      for (let tries = 0; tries < 50 && seen.has(space.key(config)); tries++) {
        u = space.sample(rng);
        config = space.decode(u);
      }
      seen.add(space.key(config));
      pending.push(space.encode(config)!);
      out.push(config);
    }
    return out;
  }

  /** A Latin hypercube over the numeric coordinates, balanced cycling over categorical values. */
  private initialDesign(): Float64Array[] {
    const n = this.initialPoints;
    const rng = new Rng(deriveSeed(this.options.seed, 0x7fffffff));
    const points = Array.from({ length: n }, () => new Float64Array(this.space.dims));
    for (const g of this.space.groups) {
      const perm = rng.permutation(n);
      for (let i = 0; i < n; i++) {
        const cell = perm[i] as number;
        const p = points[i]!;
        if (g.range.type === 'Categorical') p[g.offset + (cell % g.size)] = 1;
        else p[g.offset] = (cell + rng.next()) / n;
      }
    }
    return points.map((p) => this.space.snap(p));
  }

  /**
   * How much better than the best completed trial (or than `incumbent`, when that is better: the best of
   * other trials, in the objective's units) the model expects the most promising configuration to be: its
   * largest expected improvement, in the objective's units, with the model fitted to the completed trials
   * alone (pending ones are not believed). Undefined with fewer than `minCompleted` completed trials (too
   * few for the model to be trusted) or when the values overflow. Tuning jobs read it as convergence
   * (`ConvergenceDetected`: an expected improvement of 1 % of the best or less).
   *
   * The judging model is kept cheap and robust: at most `maxObservations` trials (the best half and the
   * most recent half), values all equal expect no improvement, and values worse than the median by more
   * than five times the median's distance from the best are clipped there (one diverged trial would
   * otherwise set the scale). `suggest` is unaffected.
   */
  expectedImprovement(history: readonly TrialRecord[], options: { readonly minCompleted?: number; readonly incumbent?: number; readonly maxObservations?: number } = {}): { readonly best: number; readonly improvement: number } | undefined {
    let xs: Float64Array[] = [];
    let ys: number[] = [];
    for (const t of history) {
      const u = t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value) ? this.space.encode(t.config) : undefined;
      if (!u) continue;
      xs.push(u);
      ys.push(this.sign * (t.value as number));
    }
    if (xs.length < Math.max(2, options.minCompleted ?? 10)) return undefined;
    const max = Math.max(4, options.maxObservations ?? 100);
    if (xs.length > max) {
      const byValue = ys.map((_, i) => i).sort((a, b) => (ys[a] as number) - (ys[b] as number) || a - b);
      const keep = new Set([...byValue.slice(0, max >> 1), ...ys.map((_, i) => i).slice(ys.length - (max - (max >> 1)))]);
      xs = xs.filter((_, i) => keep.has(i));
      ys = ys.filter((_, i) => keep.has(i));
    }
    const sorted = [...ys].sort((a, b) => a - b);
    const low = sorted[0] as number;
    const best = this.sign * low;
    if (low === sorted[sorted.length - 1]) return { best, improvement: 0 };
    const median = sorted[sorted.length >> 1] as number;
    if (median > low) ys = ys.map((v) => Math.min(v, median + 5 * (median - low)));
    const model = this.surrogate(xs, ys, [], options.incumbent !== undefined ? this.sign * options.incumbent : undefined);
    const [top] = this.rankCandidates(model.score, xs, model.ys, new Rng(deriveSeed(this.options.seed, 0x3ffffffe - xs.length)));
    const improvement = top ? Math.exp(top.s) * model.sd : 0;
    return Number.isFinite(improvement) && Number.isFinite(best) ? { best, improvement } : undefined;
  }

  private optimiseAcquisition(xs: Float64Array[], ysRaw: number[], pending: Float64Array[], seen: Set<string>, rng: Rng): Float64Array | undefined {
    const model = this.surrogate(xs, ysRaw, pending);
    for (const c of this.rankCandidates(model.score, xs, model.ys, rng)) if (!seen.has(this.space.key(this.space.decode(c.u)))) return c.u;
    return undefined;
  }

  /**
   * The model of the (sign-adjusted, to be minimised) values `ysRaw` at `xs`, conditioned on the pending
   * points: the log expected improvement it scores a point with (standardised units; over the best value,
   * or over `incumbent` (sign-adjusted) when that is lower), the standardised values and the standard
   * deviation that turns them back into the objective's units.
   */
  private surrogate(xs: Float64Array[], ysRaw: number[], pending: Float64Array[], incumbent?: number): { score: (u: Float64Array) => number; ys: Float64Array; sd: number } {
    const space = this.space;
    const d = space.dims;
    const n = ysRaw.length;
    let mean = 0;
    for (const v of ysRaw) mean += v;
    mean /= n;
    let sd = 0;
    for (const v of ysRaw) sd += (v - mean) ** 2;
    sd = Math.sqrt(sd / n) || 1;
    const ys = Float64Array.from(ysRaw, (v) => (v - mean) / sd);
    const x = new Float64Array(n * d);
    xs.forEach((u, i) => x.set(u, i * d));
    // The GP models the residuals around a quadratic bowl fitted to the standardised values.
    const numeric = space.groups.filter((g) => g.range.type !== 'Categorical').map((g) => g.offset);
    const prior = fitQuadraticMean(xs, ys, numeric);
    const y = Float64Array.from(ys, (v, i) => v - prior.at(xs[i]!));
    const hp = fitGaussianProcess(x, y, d);
    let gp = new GaussianProcess(x, y, d, hp);
    let best = incumbent !== undefined ? (incumbent - mean) / sd : Number.POSITIVE_INFINITY;
    for (const v of ys) best = Math.min(best, v);
    if (pending.length > 0) {
      // Kriging believer: condition on the pending points at their posterior means (of the residual)
      // as exact observations, and count the believed values in the incumbent too. Otherwise the
      // learnt noise leaves posterior variance at a pending point, and a point predicted better than
      // the best observation keeps the expected improvement right beside it: batches collapsed.
      const xb = new Float64Array((n + pending.length) * d);
      xb.set(x);
      const yb = new Float64Array(n + pending.length);
      yb.set(y);
      pending.forEach((u, i) => {
        xb.set(u, (n + i) * d);
        const r = gp.predict(u).mean;
        yb[n + i] = r;
        best = Math.min(best, prior.at(u) + r);
      });
      gp = new GaussianProcess(xb, yb, d, hp, n);
    }
    const score = (u: Float64Array): number => {
      const p = gp.predict(u);
      return logExpectedImprovement(prior.at(u) + p.mean, p.variance, best);
    };
    return { score, ys, sd };
  }

  /** Candidates, best score first: uniform draws, perturbations of the best observed points, and those refined. */
  private rankCandidates(score: (u: Float64Array) => number, xs: Float64Array[], ys: Float64Array, rng: Rng): { u: Float64Array; s: number }[] {
    const space = this.space;
    const n = ys.length;
    // Candidates: uniform draws, and perturbations of the best observed points at several scales.
    const cands: { u: Float64Array; s: number }[] = [];
    const add = (u: Float64Array): void => {
      space.snap(u);
      cands.push({ u, s: score(u) });
    };
    for (let i = 0; i < this.candidates; i++) add(space.sample(rng));
    const order = Array.from(ys.keys()).sort((a, b) => (ys[a] as number) - (ys[b] as number));
    const incumbents = order.slice(0, Math.min(5, n)).map((i) => xs[i]!);
    const perIncumbent = Math.ceil(this.candidates / 4 / incumbents.length);
    for (const inc of incumbents) {
      for (let k = 0; k < perIncumbent; k++) add(this.perturb(inc, [0.005, 0.02, 0.08, 0.25][k % 4] as number, rng));
    }
    cands.sort((a, b) => b.s - a.s);

    // Refine the best distinct candidates with a (1+1)-ES using the 1/5th success rule.
    const starts = cands.slice(0, 5);
    for (const start of starts) {
      let cur = start.u;
      let curS = start.s;
      let step = 0.05;
      for (let it = 0; it < 60; it++) {
        const next = space.snap(this.perturb(cur, step, rng));
        const s = score(next);
        if (s > curS) {
          cur = next;
          curS = s;
          step = Math.min(0.3, step * 1.5);
        } else {
          step = Math.max(1e-4, step * 0.85);
        }
      }
      cands.push({ u: cur, s: curS });
    }
    cands.sort((a, b) => b.s - a.s);
    return cands;
  }

  /** A Gaussian step of scale `step` on numeric coordinates; each categorical flips with probability 1/ranges. */
  private perturb(u: Float64Array, step: number, rng: Rng): Float64Array {
    const v = Float64Array.from(u);
    const flip = 1 / this.space.groups.length;
    for (const g of this.space.groups) {
      if (g.range.type === 'Categorical') {
        if (rng.next() < flip) {
          v.fill(0, g.offset, g.offset + g.size);
          v[g.offset + rng.int(g.size)] = 1;
        }
      } else {
        const w = (v[g.offset] as number) + step * rng.normal();
        v[g.offset] = w < 0 ? -w : w > 1 ? 2 - w : w;
      }
    }
    return v;
  }
}


/**
 * A quadratic "bowl" prior mean for the GP, `m(u) = b0 + b1 · Σ_j (u_j − ½)²` over the numeric
 * coordinates of the unit cube (categorical one-hot coordinates are left out).
 *
 * A stationary kernel with a constant mean puts the largest posterior variance in the corners of the
 * cube, so expected improvement keeps proposing points with several coordinates at a bound (40 % of
 * the model's picks on Hartmann6 before this mean, against 11 % for uniform draws). The bowl is the
 * remedy of Snoek et al. (2015, "Scalable Bayesian optimization using deep neural networks"): a prior
 * mean that rises towards the edges when the data say so. `b1` is fitted by ordinary least squares on
 * the standardised observations and is *not* constrained: when the best values sit at the bounds (a
 * learning rate at its maximum, say) `b1` turns negative and the bowl favours the edges instead.
 * The GP then models the residuals `y − m(u)`. Measured in docs/adr/0010-bayesian-tuning.md.
 */
export interface QuadraticMean {
  readonly b0: number;
  readonly b1: number;
  /** The prior mean at `u`. */
  at(u: Float64Array): number;
}

/** Fits `b0`, `b1` by least squares of `y` on `q(u) = Σ_{j ∈ numeric} (u_j − ½)²`; `b1 = 0` when `q` does not vary. */
export function fitQuadraticMean(xs: readonly Float64Array[], y: ArrayLike<number>, numeric: readonly number[]): QuadraticMean {
  const q = (u: Float64Array): number => {
    let t = 0;
    for (const o of numeric) t += ((u[o] as number) - 0.5) ** 2;
    return t;
  };
  const n = xs.length;
  const qs = xs.map(q);
  let qm = 0;
  let ym = 0;
  for (let i = 0; i < n; i++) {
    qm += qs[i] as number;
    ym += y[i] as number;
  }
  qm /= n || 1;
  ym /= n || 1;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((qs[i] as number) - qm) * ((y[i] as number) - ym);
    sxx += ((qs[i] as number) - qm) ** 2;
  }
  const b1 = n >= 3 && sxx > 1e-12 ? sxy / sxx : 0;
  const b0 = ym - b1 * qm;
  return { b0, b1, at: (u) => b0 + b1 * q(u) };
}

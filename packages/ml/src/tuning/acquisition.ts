const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Complementary error function with relative error below 1.2e-7 everywhere (Numerical Recipes'
 * Chebyshev fit `erfcc`), enough for ranking acquisition values.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * `log(φ(z) + z Φ(z))`, the log of expected improvement per unit of posterior standard deviation,
 * computed without underflow: far in the lower tail `φ(z) + zΦ(z) = φ(z)(1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ + …)`,
 * so log-EI keeps a useful slope where plain EI is 0 (Ament et al., 2023, "Unexpected improvements
 * to expected improvement").
 */
export function logH(z: number): number {
  const logPhi = -0.5 * z * z - LOG_SQRT_2PI;
  if (z > -5) {
    const h = Math.exp(logPhi) + z * normalCdf(z);
    return Math.log(Math.max(h, 1e-300));
  }
  const z2 = 1 / (z * z);
  return logPhi + Math.log(z2 * (1 - z2 * (3 - z2 * (15 - 105 * z2))));
}

/** log expected improvement below `best` (minimisation) for a Gaussian with `mean` and `variance`. */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sd = Math.sqrt(variance);
  return logH((best - mean) / sd) + Math.log(sd);
}

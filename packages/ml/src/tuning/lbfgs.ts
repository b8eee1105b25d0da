/** Value and gradient of a function to minimise; may return a non-finite value to reject a point. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  readonly maxIterations?: number;
  /** Stop when the largest gradient component falls below this. */
  readonly gradientTolerance?: number;
  /** History size. */
  readonly memory?: number;
  /** Box bounds applied by projection after each step (same length as `x`). */
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
}

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search and box projection. The projection
 * makes it an approximation of L-BFGS-B that is good enough for the few smooth, well-scaled problems
 * here (GP hyperparameters in log space, where the bounds are rarely active).
 * Returns the best point found and its value.
 */
export function minimizeLbfgs(f: Objective, x0: Float64Array, options: LbfgsOptions = {}): { x: Float64Array; value: number } {
  const n = x0.length;
  const maxIt = options.maxIterations ?? 100;
  const tol = options.gradientTolerance ?? 1e-5;
  const m = options.memory ?? 8;
  const project = (x: Float64Array): void => {
    if (options.lower) for (let i = 0; i < n; i++) x[i] = Math.max(options.lower[i] as number, x[i] as number);
    if (options.upper) for (let i = 0; i < n; i++) x[i] = Math.min(options.upper[i] as number, x[i] as number);
  };
  const x = Float64Array.from(x0);
  project(x);
  let g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx)) return { x, value: fx };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(m);
  for (let it = 0; it < maxIt; it++) {
    if (maxAbs(g) < tol) break;
    // Two-loop recursion: d = −H g.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = dot(ss[k]!, d) / dot(ys[k]!, ss[k]!);
      alpha[k] = a;
      axpy(-a, ys[k]!, d);
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma = dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!);
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * scale;
    }
    for (let k = 0; k < ss.length; k++) {
      const b = dot(ys[k]!, d) / dot(ys[k]!, ss[k]!);
      axpy((alpha[k] as number) - b, ss[k]!, d);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      slope = -dot(g, g);
    }
    let step = 1;
    const xn = new Float64Array(n);
    const gn = new Float64Array(n);
    let fn = Number.NaN;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xn[i] = (x[i] as number) + step * (d[i] as number);
      project(xn);
      fn = f(xn, gn);
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (xn[i] as number) - (x[i] as number);
      y[i] = (gn[i] as number) - (g[i] as number);
    }
    const improvement = fx - fn;
    x.set(xn);
    g = gn;
    fx = fn;
    if (dot(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
    }
    if (improvement < 1e-10 * Math.max(1, Math.abs(fx))) break;
  }
  return { x, value: fx };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

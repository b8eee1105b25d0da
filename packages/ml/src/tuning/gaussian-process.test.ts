import { describe, expect, it } from 'vitest';
import { Rng } from '../data/random.js';
import { runPython } from '../data/python-reference.js';
import { logH } from './acquisition.js';
import { GaussianProcess, logMarginalLikelihood } from './gaussian-process.js';

// scikit-learn's GaussianProcessRegressor with C·Matérn(ν=2.5, ARD) + White at fixed hyperparameters
// is the independent reference for the posterior, the log marginal likelihood and its gradient.
const SKLEARN_GP = `
import sys, json, numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern, ConstantKernel as C, WhiteKernel
d = json.load(sys.stdin)
k = C(d['outputscale']) * Matern(length_scale=d['ls'], nu=2.5) + WhiteKernel(d['noise'])
g = GaussianProcessRegressor(k, optimizer=None, alpha=0.0, normalize_y=False).fit(np.array(d['x']), np.array(d['y']))
lml, grad = g.log_marginal_likelihood(g.kernel_.theta, eval_gradient=True)
m, s = g.predict(np.array(d['xs']), return_std=True)
print(json.dumps({'lml': lml, 'grad': grad.tolist(), 'mean': m.tolist(), 'sd': s.tolist()}))
`;

describe('Gaussian process (Matérn 5/2, ARD)', () => {
  it('matches scikit-learn: posterior mean and variance, log marginal likelihood and its gradient', () => {
    const rng = new Rng(3);
    const n = 25;
    const d = 3;
    const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
    const y = rows.map((r) => Math.sin(6 * r[0]!) + r[1]! * r[2]! - 0.3);
    const xs = Array.from({ length: 7 }, () => Array.from({ length: d }, () => rng.next()));
    const hp = { lengthscales: Float64Array.of(0.3, 0.7, 1.9), outputscale: 1.4, noise: 0.02 };
    const ref = runPython<{ lml: number; grad: number[]; mean: number[]; sd: number[] }>(SKLEARN_GP, {
      x: rows, y, xs, ls: Array.from(hp.lengthscales), outputscale: hp.outputscale, noise: hp.noise,
    });
    const x = Float64Array.from(rows.flat());
    const yy = Float64Array.from(y);
    const grad = new Float64Array(d + 2);
    expect(logMarginalLikelihood(x, yy, d, hp, grad)).toBeCloseTo(ref.lml, 8);
    // sklearn orders θ as [log σ², log ℓ…, log noise]; ours is [log ℓ…, log σ², log(noise − 1e-6)].
    const ours = [grad[d]!, ...Array.from(grad.subarray(0, d)), (grad[d + 1]! * hp.noise) / (hp.noise - 1e-6)];
    ours.forEach((g, i) => expect(g).toBeCloseTo(ref.grad[i]!, 6));
    const gp = new GaussianProcess(x, yy, d, hp);
    xs.forEach((p, i) => {
      const { mean, variance } = gp.predict(Float64Array.from(p));
      expect(mean).toBeCloseTo(ref.mean[i]!, 8);
      expect(Math.sqrt(variance + hp.noise)).toBeCloseTo(ref.sd[i]!, 8); // sklearn's sd includes the white noise
    });
  });

  it('treats points from noisyCount on as exact (the Kriging believer\'s pending points)', () => {
    const x = Float64Array.of(0.1, 0.5, 0.9);
    const y = Float64Array.of(0.3, -1, 0.7);
    const hp = { lengthscales: Float64Array.of(0.3), outputscale: 1, noise: 0.05 };
    const noisy = new GaussianProcess(x, y, 1, hp);
    const exact = new GaussianProcess(x, y, 1, hp, 2); // the third point is exact
    const at = Float64Array.of(0.9);
    expect(noisy.predict(at).variance).toBeGreaterThan(0.02);
    expect(exact.predict(at).variance).toBeLessThan(1e-5);
    expect(exact.predict(at).mean).toBeCloseTo(0.7, 4);
    // The noisy points are unchanged in kind: variance near the noise level there.
    expect(exact.predict(Float64Array.of(0.1)).variance).toBeGreaterThan(0.02);
  });

  it('log-EI helper log(φ(z) + zΦ(z)) matches scipy through the far lower tail', () => {
    const zs = [3, 1, 0, -1, -3, -4.9, -5.1, -8, -20, -40];
    const ref = runPython<number[]>(
      `import sys, json, numpy as np
from scipy.special import erfcx
from scipy.stats import norm
z = np.array(json.load(sys.stdin))
# φ(z) + zΦ(z) = φ(z)(1 + z·√(π/2)·erfcx(−z/√2)), with no cancellation problem in erfcx
print(json.dumps((norm.logpdf(z) + np.log1p(z * np.sqrt(np.pi / 2) * erfcx(-z / np.sqrt(2)))).tolist()))`,
      zs,
    );
    zs.forEach((z, i) => expect(Math.abs(logH(z) - ref[i]!)).toBeLessThan(z < -4 ? 5e-3 : 1e-6));
  });
});

import { describe, expect, it } from 'vitest';
import { LIKELIHOODS } from './hyperparameters.js';
import { likelihoodFor } from './likelihood.js';
import { initParams, layoutParams, type NetworkSpec } from './network.js';
import { Rng } from './rng.js';
import { sequenceLoss, type SequenceBatch } from './sequence-loss.js';

// Backprop through time checked against central finite differences of the same loss, for every
// likelihood, with two residual layers, embeddings and zoneout (masks replayed by reseeding).
function setup(likelihoodName: (typeof LIKELIHOODS)[number]) {
  const lik = likelihoodFor(likelihoodName);
  const spec: NetworkSpec = { inputDim: 9, numCells: 5, numLayers: 2, numArgs: lik.numArgs, cardinality: [3, 2], embeddingDimension: 2, embedOffset: 4 };
  const layout = layoutParams(spec);
  const rng = new Rng(7);
  const params = initParams(spec, layout, rng);
  for (let i = 0; i < params.length; i++) params[i] = (params[i] as number) + 0.3 * rng.normal();
  const B = 3;
  const T = 6;
  const x = new Float64Array(T * B * spec.inputDim).map(() => rng.normal());
  const y = new Float64Array(T * B).map(() =>
    likelihoodName === 'beta' ? 0.1 + 0.8 * rng.uniform() : likelihoodName === 'negative-binomial' ? rng.int(20) : 5 + 3 * rng.normal(),
  );
  const lossMask = new Uint8Array(T * B).map((_, i) => (i % 7 === 3 ? 0 : 1));
  const batch: SequenceBatch = { B, T, x, y, lossMask, cats: Int32Array.from([0, 1, 2, 0, 1, 1]), loc: Float64Array.from(likelihoodName === 'gaussian' || likelihoodName === 'student-T' ? [1, -2, 0.5] : [0, 0, 0]), scale: Float64Array.from([4, 6, 5]) };
  return { lik, spec, layout, params, batch };
}

describe('DeepAR gradients', () => {
  for (const name of LIKELIHOODS) {
    it(`match finite differences (${name})`, () => {
      const { lik, spec, layout, params, batch } = setup(name);
      const loss = (p: Float64Array, g: Float64Array | null): number =>
        sequenceLoss(spec, layout, lik, p, batch, g, { rng: new Rng(99), rate: 0.3 });
      const grad = new Float64Array(layout.size);
      loss(params, grad);
      const pick = new Rng(3);
      const indices = [...Array.from({ length: 12 }, (_, i) => i), ...Array.from({ length: 60 }, () => pick.int(layout.size))];
      let worst = 0;
      for (const i of indices) {
        const h = 1e-5;
        const saved = params[i] as number;
        params[i] = saved + h;
        const up = loss(params, null);
        params[i] = saved - h;
        const down = loss(params, null);
        params[i] = saved;
        const fd = (up - down) / (2 * h);
        const err = Math.abs(fd - (grad[i] as number)) / Math.max(1e-4, Math.abs(fd) + Math.abs(grad[i] as number));
        worst = Math.max(worst, err);
      }
      expect(worst).toBeLessThan(name === 'deterministic-L1' ? 1e-3 : 1e-5);
      // The check must have exercised real gradients, not zeros.
      expect(indices.some((i) => Math.abs(grad[i] as number) > 1e-4)).toBe(true);
    });
  }
});

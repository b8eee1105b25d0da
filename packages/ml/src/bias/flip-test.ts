import { MlInputError } from '../errors.js';
import { type BiasInputs, facetCounts, requireBothFacets, requirePredicted } from './inputs.js';

/**
 * FT, the counterfactual flip test: each row of facet d gets the majority predicted label of its `k`
 * nearest neighbours in facet a (Euclidean distance on the features, ties between equally distant
 * neighbours broken by row order; an even split counts as negative, as scikit-learn's k-NN does).
 * F⁺ counts d rows predicted negative whose counterfactual is positive, F⁻ the reverse, and
 * FT = (F⁺ − F⁻) / n_d. Cost is O(n_d · n_a · features).
 */
export function flipTest(inp: BiasInputs, k = 5): number {
  const pred = requirePredicted(inp, 'FT');
  const c = facetCounts(inp);
  requireBothFacets(inp, c, 'FT');
  const x = inp.features;
  const names = inp.featureNames;
  if (!x || !names || names.length === 0) {
    throw new MlInputError('Metric \'FT\' needs numeric feature columns to find nearest neighbours.', { column: inp.names.facet, metric: 'FT' });
  }
  const p = names.length;
  const n = inp.facet.length;
  const aRows: number[] = [];
  const dRows: number[] = [];
  for (let i = 0; i < n; i++) (inp.facet[i] === 1 ? dRows : aRows).push(i);
  const kk = Math.min(k, aRows.length);
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  let fPlus = 0;
  let fMinus = 0;
  for (const i of dRows) {
    bestD.fill(Number.POSITIVE_INFINITY);
    bestI.fill(-1);
    const oi = i * p;
    for (const j of aRows) {
      const oj = j * p;
      let dist = 0;
      for (let f = 0; f < p; f++) {
        const t = (x[oi + f] as number) - (x[oj + f] as number);
        dist += t * t;
      }
      // Strict < keeps the earlier row on equal distance.
      if (dist < (bestD[kk - 1] as number)) {
        let pos = kk - 1;
        while (pos > 0 && dist < (bestD[pos - 1] as number)) {
          bestD[pos] = bestD[pos - 1] as number;
          bestI[pos] = bestI[pos - 1] as number;
          pos--;
        }
        bestD[pos] = dist;
        bestI[pos] = j;
      }
    }
    let votes = 0;
    for (let m = 0; m < kk; m++) votes += pred[bestI[m] as number] as number;
    const cf = votes * 2 > kk ? 1 : 0;
    const own = pred[i] as number;
    if (own === 0 && cf === 1) fPlus++;
    else if (own === 1 && cf === 0) fMinus++;
  }
  return (fPlus - fMinus) / dRows.length;
}

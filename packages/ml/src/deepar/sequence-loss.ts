import type { Likelihood } from './likelihood.js';
import {
  drawZoneout, lstmStepBackward, lstmStepForward, project, writeEmbeddings,
  type LayerLayout, type NetworkSpec, type ParamLayout,
} from './network.js';
import type { Rng } from './rng.js';

/**
 * A batch of `B` training windows of `T` steps, time-major: row (t, b) of `x` is the input at step t
 * of window b (lags, calendar features, dynamic features, log-scale; embedding slots are filled here).
 */
export interface SequenceBatch {
  readonly B: number;
  readonly T: number;
  readonly x: Float64Array;
  readonly cats: Int32Array;
  /** Targets in original units, time-major (t, b); `NaN` = missing. */
  readonly y: Float64Array;
  /** 1 where (t, b) counts in the loss (observed and inside the window). */
  readonly lossMask: Uint8Array;
  readonly loc: Float64Array;
  readonly scale: Float64Array;
}

interface LayerTape {
  hs: Float64Array[];
  cs: Float64Array[];
  gates: Float64Array[];
  cNew: Float64Array[];
  tc: Float64Array[];
  hNew: Float64Array[];
  out: Float64Array[];
  mh: Uint8Array[];
  mc: Uint8Array[];
}

/**
 * Teacher-forced unroll of the stacked LSTM over a batch, then backpropagation through time.
 * Stacking follows GluonTS's DeepAR: layers after the first are residual, and zoneout (rate
 * `dropoutRate`) acts on the carried states (h and c) during training only.
 *
 * @returns the mean negative log-likelihood over the counted points; `grad` (if given) receives its gradient.
 */
export function sequenceLoss(
  spec: NetworkSpec, layout: ParamLayout, lik: Likelihood, p: Float64Array, batch: SequenceBatch,
  grad: Float64Array | null, zoneout: { rng: Rng; rate: number } | null,
): number {
  const { B, T } = batch;
  const H = spec.numCells;
  const A = spec.numArgs;
  const D = spec.inputDim;
  const BH = B * H;
  for (let t = 0; t < T; t++) writeEmbeddings(spec, layout, p, batch.cats, B, batch.x.subarray(t * B * D, (t + 1) * B * D), D);

  const tapes: LayerTape[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const tape: LayerTape = { hs: [new Float64Array(BH)], cs: [new Float64Array(BH)], gates: [], cNew: [], tc: [], hNew: [], out: [], mh: [], mc: [] };
    tapes.push(tape);
  }
  const raw = new Float64Array(T * B * A);
  for (let t = 0; t < T; t++) {
    let input = batch.x.subarray(t * B * D, (t + 1) * B * D);
    for (let l = 0; l < spec.numLayers; l++) {
      const tape = tapes[l] as LayerTape;
      const L = layout.layers[l] as LayerLayout;
      const hPrev = tape.hs[t] as Float64Array;
      const cPrev = tape.cs[t] as Float64Array;
      const gates = new Float64Array(4 * BH);
      const cNew = new Float64Array(BH);
      const tc = new Float64Array(BH);
      const hNew = new Float64Array(BH);
      lstmStepForward(p, L, H, B, input, hPrev, cPrev, gates, cNew, tc, hNew);
      const out = l === 0 ? hNew : new Float64Array(BH);
      if (l > 0) for (let i = 0; i < BH; i++) out[i] = (hNew[i] as number) + (input[i] as number);
      let hState = hNew;
      let cState = cNew;
      if (zoneout && zoneout.rate > 0) {
        const mh = new Uint8Array(BH);
        const mc = new Uint8Array(BH);
        drawZoneout(zoneout.rng, zoneout.rate, mh);
        drawZoneout(zoneout.rng, zoneout.rate, mc);
        hState = new Float64Array(BH);
        cState = new Float64Array(BH);
        for (let i = 0; i < BH; i++) {
          hState[i] = mh[i] ? (hNew[i] as number) : (hPrev[i] as number);
          cState[i] = mc[i] ? (cNew[i] as number) : (cPrev[i] as number);
        }
        tape.mh.push(mh);
        tape.mc.push(mc);
      }
      tape.hs.push(hState);
      tape.cs.push(cState);
      tape.gates.push(gates);
      tape.cNew.push(cNew);
      tape.tc.push(tc);
      tape.hNew.push(hNew);
      tape.out.push(out);
      input = out;
    }
    project(p, layout, H, A, B, input, raw.subarray(t * B * A, (t + 1) * B * A));
  }

  let count = 0;
  for (let i = 0; i < T * B; i++) count += batch.lossMask[i] as number;
  if (count === 0) return 0;
  const dRaw = grad ? new Float64Array(T * B * A) : null;
  let total = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const i = t * B + b;
      if (!batch.lossMask[i]) continue;
      total += lik.nll(raw, i * A, batch.y[i] as number, batch.loc[b] as number, batch.scale[b] as number, dRaw, 1 / count);
    }
  }
  if (!grad || !dRaw) return total / count;

  const nL = spec.numLayers;
  const dH = tapes.map(() => new Float64Array(BH));
  const dC = tapes.map(() => new Float64Array(BH));
  const dhPrev = new Float64Array(BH);
  const dcPrev = new Float64Array(BH);
  const dz = new Float64Array(4 * H);
  const E = spec.embeddingDimension;
  const nCat = spec.cardinality.length;
  const embFrom = spec.embedOffset;
  const embTo = embFrom + nCat * E;
  const dx0 = new Float64Array(B * D);
  for (let t = T - 1; t >= 0; t--) {
    // ∂/∂(top output) from the projection.
    let dOut: Float64Array = new Float64Array(BH);
    const top = (tapes[nL - 1] as LayerTape).out[t] as Float64Array;
    for (let b = 0; b < B; b++) {
      for (let a = 0; a < A; a++) {
        const d = dRaw[(t * B + b) * A + a] as number;
        if (d === 0) continue;
        grad[layout.projB + a] = (grad[layout.projB + a] as number) + d;
        const wo = layout.projW + a * H;
        for (let k = 0; k < H; k++) {
          grad[wo + k] = (grad[wo + k] as number) + d * (top[b * H + k] as number);
          dOut[b * H + k] = (dOut[b * H + k] as number) + d * (p[wo + k] as number);
        }
      }
    }
    for (let l = nL - 1; l >= 0; l--) {
      const tape = tapes[l] as LayerTape;
      const L = layout.layers[l] as LayerLayout;
      const dhs = dH[l] as Float64Array;
      const dcs = dC[l] as Float64Array;
      const dhNew = new Float64Array(BH);
      const dcNew = new Float64Array(BH);
      const zoned = tape.mh.length > 0;
      const mh = tape.mh[t];
      const mc = tape.mc[t];
      for (let i = 0; i < BH; i++) {
        const keepH = zoned ? (mh as Uint8Array)[i] as number : 1;
        const keepC = zoned ? (mc as Uint8Array)[i] as number : 1;
        dhNew[i] = (dOut[i] as number) + keepH * (dhs[i] as number);
        dcNew[i] = keepC * (dcs[i] as number);
      }
      const input = l === 0 ? batch.x.subarray(t * B * D, (t + 1) * B * D) : ((tapes[l - 1] as LayerTape).out[t] as Float64Array);
      let dx: Float64Array | null;
      if (l > 0) {
        dx = new Float64Array(BH);
        dx.set(dOut); // residual path
      } else {
        dx = nCat > 0 ? dx0.fill(0) : null;
      }
      lstmStepBackward(
        p, grad, L, H, B, input, tape.hs[t] as Float64Array, tape.cs[t] as Float64Array,
        tape.gates[t] as Float64Array, tape.tc[t] as Float64Array, dhNew, dcNew,
        dhPrev, dcPrev, dx, l === 0 ? embFrom : 0, l === 0 ? embTo : H, dz,
      );
      for (let i = 0; i < BH; i++) {
        const keepH = zoned ? (mh as Uint8Array)[i] as number : 1;
        const keepC = zoned ? (mc as Uint8Array)[i] as number : 1;
        dhs[i] = (dhPrev[i] as number) + (1 - keepH) * (dhs[i] as number);
        dcs[i] = (dcPrev[i] as number) + (1 - keepC) * (dcs[i] as number);
      }
      if (l > 0) dOut = dx as Float64Array;
      else if (dx) accumulateEmbeddingGrad(spec, layout, grad, batch.cats, B, dx, D);
    }
  }
  return total / count;
}

function accumulateEmbeddingGrad(spec: NetworkSpec, layout: ParamLayout, grad: Float64Array, cats: Int32Array, B: number, dx: Float64Array, D: number): void {
  const E = spec.embeddingDimension;
  const nCat = spec.cardinality.length;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < nCat; j++) {
      const dst = (layout.emb[j] as number) + (cats[b * nCat + j] as number) * E;
      const src = b * D + spec.embedOffset + j * E;
      for (let e = 0; e < E; e++) grad[dst + e] = (grad[dst + e] as number) + (dx[src + e] as number);
    }
  }
}

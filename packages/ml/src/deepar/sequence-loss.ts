import type { Likelihood } from './likelihood.js';
import {
  drawZoneout, gemmNN, gemmNT, gemmTN, lstmForwardXH, transpose, project, writeEmbeddings,
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

/** Buffers of one layer over a whole unroll; row (t, b) of each is step t of window b. */
interface LayerTape {
  /** [input, carried h] side by side (T × B × (inDim + H)): the rows the gate product reads. */
  xh: Float64Array;
  /** Carried cell states (T + 1) × B × H; row block 0 is the zero start. */
  cs: Float64Array;
  /** Activated gates T × B × 4H; in the backward pass, their pre-activation gradients. */
  gates: Float64Array;
  cNew: Float64Array;
  tc: Float64Array;
  hNew: Float64Array;
  mh: Uint8Array;
  mc: Uint8Array;
  /** Carried ∂/∂h and ∂/∂c (B × H) and ∂/∂[x; h] of one step (B × (inDim + H)). */
  dh: Float64Array;
  dc: Float64Array;
  dxh: Float64Array;
  /** The layer's weights transposed ((inDim + H) × 4H), for ∂/∂[x; h] = dz·W as rows·rows. */
  wT: Float64Array;
}

/** Preallocated buffers of an unroll, reused by every batch of the same shape. */
interface Workspace {
  readonly key: string;
  readonly tapes: LayerTape[];
  /** Output of the top layer, T × B × H. */
  readonly top: Float64Array;
  readonly raw: Float64Array;
  readonly dRaw: Float64Array;
  readonly dOut: Float64Array;
  readonly dNext: Float64Array;
  /** Transposes for the weight gradients: gate gradients (4H × T·B) and [x; h] rows (K × T·B). */
  readonly dzT: Float64Array;
  readonly xhT: Float64Array;
}

let cached: Workspace | undefined;

function workspace(spec: NetworkSpec, layout: ParamLayout, B: number, T: number): Workspace {
  const H = spec.numCells;
  const A = spec.numArgs;
  const key = `${spec.inputDim}/${H}/${spec.numLayers}/${A}/${B}/${T}`;
  if (cached?.key === key) return cached;
  const BH = B * H;
  const tapes = layout.layers.map((L): LayerTape => {
    const K = L.inDim + H;
    return {
      xh: new Float64Array(T * B * K), cs: new Float64Array((T + 1) * BH), gates: new Float64Array(T * 4 * BH),
      cNew: new Float64Array(T * BH), tc: new Float64Array(T * BH), hNew: new Float64Array(T * BH),
      mh: new Uint8Array(T * BH), mc: new Uint8Array(T * BH),
      dh: new Float64Array(BH), dc: new Float64Array(BH), dxh: new Float64Array(B * K), wT: new Float64Array(K * 4 * H),
    };
  });
  cached = {
    key, tapes, top: new Float64Array(T * BH), raw: new Float64Array(T * B * A), dRaw: new Float64Array(T * B * A),
    dOut: new Float64Array(BH), dNext: new Float64Array(BH),
    dzT: new Float64Array(4 * H * T * B), xhT: new Float64Array(Math.max(...layout.layers.map((L) => L.inDim + H)) * T * B),
  };
  return cached;
}

/**
 * Teacher-forced unroll of the stacked LSTM over a batch, then backpropagation through time.
 * Stacking follows GluonTS's DeepAR: layers after the first are residual, and zoneout (rate
 * `dropoutRate`) acts on the carried states (h and c) during training only.
 *
 * Each step is one [B × (in + H)] × [(in + H) × 4H] product per layer; the weight gradients are one
 * product per layer over all T·B rows after the backward sweep. Buffers are preallocated and reused.
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
  const nL = spec.numLayers;
  const ws = workspace(spec, layout, B, T);
  const { tapes, top, raw } = ws;
  const zoned = zoneout !== null && zoneout.rate > 0;

  // Layer 0's inputs, embeddings included, go straight into its [x; h] rows; every h starts at 0.
  const x0 = tapes[0] as LayerTape;
  const K0 = D + H;
  for (let t = 0; t < T; t++) {
    const xs = batch.x.subarray(t * B * D, (t + 1) * B * D);
    writeEmbeddings(spec, layout, p, batch.cats, B, xs, D);
    for (let b = 0; b < B; b++) x0.xh.set(xs.subarray(b * D, (b + 1) * D), (t * B + b) * K0);
  }
  for (let l = 0; l < nL; l++) {
    const tape = tapes[l] as LayerTape;
    const K = (layout.layers[l] as LayerLayout).inDim + H;
    tape.cs.fill(0, 0, BH);
    for (let b = 0; b < B; b++) tape.xh.fill(0, b * K + K - H, b * K + K);
  }

  for (let t = 0; t < T; t++) {
    for (let l = 0; l < nL; l++) {
      const tape = tapes[l] as LayerTape;
      const L = layout.layers[l] as LayerLayout;
      const inDim = L.inDim;
      const K = inDim + H;
      const xhOff = t * B * K;
      const sOff = t * BH;
      lstmForwardXH(p, L, H, B, tape.xh, xhOff, tape.cs, sOff, tape.gates, 4 * sOff, tape.cNew, tape.tc, tape.hNew, sOff);
      if (zoned) {
        drawZoneout(zoneout.rng, zoneout.rate, tape.mh.subarray(sOff, sOff + BH));
        drawZoneout(zoneout.rng, zoneout.rate, tape.mc.subarray(sOff, sOff + BH));
      }
      // Carried state (zoneout keeps the old value where the mask is 0), written where step t + 1 reads it.
      const nextXh = (t + 1) * B * K;
      for (let b = 0; b < B; b++) {
        const so = sOff + b * H;
        for (let k = 0; k < H; k++) {
          const hn = tape.hNew[so + k] as number;
          const cn = tape.cNew[so + k] as number;
          const keepH = !zoned || tape.mh[so + k] === 1;
          const keepC = !zoned || tape.mc[so + k] === 1;
          if (t + 1 < T) tape.xh[nextXh + b * K + inDim + k] = keepH ? hn : (tape.xh[xhOff + b * K + inDim + k] as number);
          tape.cs[so + BH + k] = keepC ? cn : (tape.cs[so + k] as number);
        }
      }
      // Output: h' (+ the input for residual layers), into the next layer's [x; h] rows or `top`.
      const above = l + 1 < nL ? (tapes[l + 1] as LayerTape) : null;
      const Ka = l + 1 < nL ? H + H : H;
      const dst = above ? above.xh : top;
      for (let b = 0; b < B; b++) {
        const so = sOff + b * H;
        const d = t * B * Ka + b * Ka;
        for (let k = 0; k < H; k++) {
          dst[d + k] = (tape.hNew[so + k] as number) + (l > 0 ? (tape.xh[xhOff + b * K + k] as number) : 0);
        }
      }
    }
  }
  project(p, layout, H, A, T * B, top, raw);

  let count = 0;
  for (let i = 0; i < T * B; i++) count += batch.lossMask[i] as number;
  if (count === 0) return 0;
  const dRaw = grad ? ws.dRaw.fill(0) : null;
  let total = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const i = t * B + b;
      if (!batch.lossMask[i]) continue;
      total += lik.nll(raw, i * A, batch.y[i] as number, batch.loc[b] as number, batch.scale[b] as number, dRaw, 1 / count);
    }
  }
  if (!grad || !dRaw) return total / count;

  const nCat = spec.cardinality.length;
  const embFrom = spec.embedOffset;
  const embTo = embFrom + nCat * spec.embeddingDimension;
  for (const tape of tapes) {
    tape.dh.fill(0);
    tape.dc.fill(0);
  }
  for (let l = 0; l < nL; l++) {
    const L = layout.layers[l] as LayerLayout;
    transpose(p, L.w, 4 * H, L.inDim + H, (tapes[l] as LayerTape).wT);
  }
  let dOut = ws.dOut;
  let dNext = ws.dNext;
  for (let t = T - 1; t >= 0; t--) {
    // ∂/∂(top output) from the projection.
    dOut.fill(0);
    gemmNN(B, A, H, 0, H, dRaw, t * B * A, A, p, layout.projW, dOut, 0, H);
    for (let l = nL - 1; l >= 0; l--) {
      const tape = tapes[l] as LayerTape;
      const L = layout.layers[l] as LayerLayout;
      const inDim = L.inDim;
      const K = inDim + H;
      const sOff = t * BH;
      const { dh, dc, gates, tc, cs } = tape;
      // Gate gradients, written over the activations they came from (the weight gradients read them later).
      for (let b = 0; b < B; b++) {
        const ho = b * H;
        const so = sOff + ho;
        const go = 4 * so;
        for (let k = 0; k < H; k++) {
          const keepH = !zoned || tape.mh[so + k] === 1;
          const keepC = !zoned || tape.mc[so + k] === 1;
          const dhk = (dOut[ho + k] as number) + (keepH ? (dh[ho + k] as number) : 0);
          const dcIn = keepC ? (dc[ho + k] as number) : 0;
          const i = gates[go + k] as number;
          const f = gates[go + H + k] as number;
          const gg = gates[go + 2 * H + k] as number;
          const o = gates[go + 3 * H + k] as number;
          const th = tc[so + k] as number;
          const dck = dcIn + dhk * o * (1 - th * th);
          gates[go + k] = dck * gg * i * (1 - i);
          gates[go + H + k] = dck * (cs[so + k] as number) * f * (1 - f);
          gates[go + 2 * H + k] = dck * i * (1 - gg * gg);
          gates[go + 3 * H + k] = dhk * th * o * (1 - o);
          // What reaches step t − 1 directly: through c, and past a zoned-out update.
          dc[ho + k] = dck * f + (keepC ? 0 : (dc[ho + k] as number));
          if (keepH) dh[ho + k] = 0;
        }
      }
      // ∂/∂[x; h] = dz·W; layer 0 needs only its embedding columns of x.
      const dxh = tape.dxh;
      const H4 = 4 * H;
      if (l > 0) gemmNT(B, K, H4, gates, 4 * sOff, H4, tape.wT, 0, null, 0, dxh, 0, K);
      else {
        gemmNT(B, H, H4, gates, 4 * sOff, H4, tape.wT, inDim * H4, null, 0, dxh, inDim, K);
        if (embTo > embFrom) gemmNT(B, embTo - embFrom, H4, gates, 4 * sOff, H4, tape.wT, embFrom * H4, null, 0, dxh, embFrom, K);
      }
      for (let b = 0; b < B; b++) {
        const ho = b * H;
        const xo = b * K;
        for (let k = 0; k < H; k++) dh[ho + k] = (dh[ho + k] as number) + (dxh[xo + inDim + k] as number);
        if (l > 0) for (let k = 0; k < H; k++) dNext[ho + k] = (dxh[xo + k] as number) + (dOut[ho + k] as number); // residual path
      }
      if (l === 0 && embTo > embFrom) accumulateEmbeddingGrad(spec, layout, grad, batch.cats, B, dxh, K);
      const swap = dOut;
      dOut = dNext;
      dNext = swap;
    }
  }
  // Weight gradients of every layer and of the projection: one product each over all T·B rows.
  const M = T * B;
  const { dzT, xhT } = ws;
  for (let l = 0; l < nL; l++) {
    const tape = tapes[l] as LayerTape;
    const L = layout.layers[l] as LayerLayout;
    const K = L.inDim + H;
    transpose(tape.gates, 0, M, 4 * H, dzT);
    transpose(tape.xh, 0, M, K, xhT);
    gemmNT(4 * H, K, M, dzT, 0, M, xhT, 0, null, 0, grad, L.w, K, true);
    for (let n = 0; n < 4 * H; n++) {
      let s = 0;
      for (let m = n * M, e = m + M; m < e; m++) s += dzT[m] as number;
      grad[L.b + n] = (grad[L.b + n] as number) + s;
    }
  }
  gemmTN(T * B, A, H, dRaw, 0, top, 0, grad, layout.projW, grad, layout.projB);
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

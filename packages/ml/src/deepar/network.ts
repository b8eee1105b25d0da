import type { Rng } from './rng.js';

/** The shape of a DeepAR network; everything needed to lay out its parameters. */
export interface NetworkSpec {
  /** Width of one step's input vector, embeddings included. */
  readonly inputDim: number;
  readonly numCells: number;
  readonly numLayers: number;
  readonly numArgs: number;
  /** One cardinality per categorical feature. */
  readonly cardinality: readonly number[];
  readonly embeddingDimension: number;
  /** Where the embeddings sit in the input vector. */
  readonly embedOffset: number;
}

/** Offsets of one LSTM layer's weights and biases. */
export interface LayerLayout {
  readonly w: number;
  readonly b: number;
  readonly inDim: number;
}

/** Offsets of each tensor in the flat parameter vector. */
export interface ParamLayout {
  readonly size: number;
  readonly emb: readonly number[];
  readonly layers: readonly LayerLayout[];
  readonly projW: number;
  readonly projB: number;
}

/** Lays out embeddings, stacked LSTM weights ([i f g o] rows × [input, hidden] columns) and the projection. */
export function layoutParams(spec: NetworkSpec): ParamLayout {
  let off = 0;
  const emb = spec.cardinality.map((c) => {
    const o = off;
    off += c * spec.embeddingDimension;
    return o;
  });
  const H = spec.numCells;
  const layers: LayerLayout[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const inDim = l === 0 ? spec.inputDim : H;
    const w = off;
    off += 4 * H * (inDim + H);
    layers.push({ w, b: off, inDim });
    off += 4 * H;
  }
  const projW = off;
  off += spec.numArgs * H;
  return { size: off + spec.numArgs, emb, layers, projW, projB: off };
}

/** Xavier-uniform weights, zero biases except the forget gate's (1, which keeps early gradients flowing). */
export function initParams(spec: NetworkSpec, layout: ParamLayout, rng: Rng): Float64Array {
  const p = new Float64Array(layout.size);
  const fill = (off: number, n: number, fanIn: number, fanOut: number): void => {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) p[off + i] = (2 * rng.uniform() - 1) * a;
  };
  const H = spec.numCells;
  spec.cardinality.forEach((c, j) => fill(layout.emb[j] as number, c * spec.embeddingDimension, c, spec.embeddingDimension));
  for (const L of layout.layers) {
    fill(L.w, 4 * H * (L.inDim + H), L.inDim + H, 4 * H);
    for (let r = H; r < 2 * H; r++) p[L.b + r] = 1;
  }
  fill(layout.projW, spec.numArgs * H, H, spec.numArgs);
  return p;
}

const sigm = (x: number): number => 1 / (1 + Math.exp(-x));

/*
 * Dense kernels over row-major Float64Array blocks. Each inner loop runs over contiguous memory and
 * several output values are computed per pass (register blocking), so that V8's scalar code does a
 * few multiply-adds per load instead of one.
 */

/** Rows m…m+3 × outputs 0…N4−1 (N4 a multiple of 4) of {@link gemmNT}: sixteen accumulators, eight loads per sixteen multiply-adds. */
function gemmNT4x4(
  m: number, N4: number, K: number, A: Float64Array, aOff: number, lda: number,
  W: Float64Array, wOff: number, bias: Float64Array | null, biasOff: number,
  C: Float64Array, cOff: number, ldc: number, acc: number,
): void {
  const a0 = aOff + m * lda;
  const a1 = a0 + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  const c0 = cOff + m * ldc;
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  for (let n = 0; n < N4; n += 4) {
    const w0 = wOff + n * K;
    const w1 = w0 + K;
    const w2 = w1 + K;
    const w3 = w2 + K;
    let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
    for (let k = 0; k < K; k++) {
      const v0 = W[w0 + k] as number;
      const v1 = W[w1 + k] as number;
      const v2 = W[w2 + k] as number;
      const v3 = W[w3 + k] as number;
      const x0 = A[a0 + k] as number;
      const x1 = A[a1 + k] as number;
      const x2 = A[a2 + k] as number;
      const x3 = A[a3 + k] as number;
      s00 += x0 * v0; s01 += x0 * v1; s02 += x0 * v2; s03 += x0 * v3;
      s10 += x1 * v0; s11 += x1 * v1; s12 += x1 * v2; s13 += x1 * v3;
      s20 += x2 * v0; s21 += x2 * v1; s22 += x2 * v2; s23 += x2 * v3;
      s30 += x3 * v0; s31 += x3 * v1; s32 += x3 * v2; s33 += x3 * v3;
    }
    const b0 = bias ? (bias[biasOff + n] as number) : 0;
    const b1 = bias ? (bias[biasOff + n + 1] as number) : 0;
    const b2 = bias ? (bias[biasOff + n + 2] as number) : 0;
    const b3 = bias ? (bias[biasOff + n + 3] as number) : 0;
    if (acc) {
      s00 += C[c0 + n] as number; s01 += C[c0 + n + 1] as number; s02 += C[c0 + n + 2] as number; s03 += C[c0 + n + 3] as number;
      s10 += C[c1 + n] as number; s11 += C[c1 + n + 1] as number; s12 += C[c1 + n + 2] as number; s13 += C[c1 + n + 3] as number;
      s20 += C[c2 + n] as number; s21 += C[c2 + n + 1] as number; s22 += C[c2 + n + 2] as number; s23 += C[c2 + n + 3] as number;
      s30 += C[c3 + n] as number; s31 += C[c3 + n + 1] as number; s32 += C[c3 + n + 2] as number; s33 += C[c3 + n + 3] as number;
    }
    C[c0 + n] = s00 + b0; C[c0 + n + 1] = s01 + b1; C[c0 + n + 2] = s02 + b2; C[c0 + n + 3] = s03 + b3;
    C[c1 + n] = s10 + b0; C[c1 + n + 1] = s11 + b1; C[c1 + n + 2] = s12 + b2; C[c1 + n + 3] = s13 + b3;
    C[c2 + n] = s20 + b0; C[c2 + n + 1] = s21 + b1; C[c2 + n + 2] = s22 + b2; C[c2 + n + 3] = s23 + b3;
    C[c3 + n] = s30 + b0; C[c3 + n + 1] = s31 + b1; C[c3 + n + 2] = s32 + b2; C[c3 + n + 3] = s33 + b3;
  }
}

/**
 * C[m, n] = bias[n] + Σ_k A[m, k]·W[n, k] for m < M, n < N (A is M×K, W is N×K, both over contiguous
 * k): the product of a batch of rows with a weight matrix stored one output per row; with `accumulate`,
 * C += instead. Blocks 4 rows × 4 outputs (then 2 × 4, then single rows) so each loaded value feeds
 * several multiply-adds.
 */
export function gemmNT(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  W: Float64Array, wOff: number, bias: Float64Array | null, biasOff: number,
  C: Float64Array, cOff: number, ldc: number, accumulate = false,
): void {
  const acc = accumulate ? 1 : 0;
  let m = 0;
  const N4 = N - (N % 4);
  for (; m + 3 < M && N4 > 0; m += 4) gemmNT4x4(m, N4, K, A, aOff, lda, W, wOff, bias, biasOff, C, cOff, ldc, acc);
  if (N4 < N && m > 0) {
    // The last N % 4 outputs of the rows done four at a time.
    for (let r = 0; r < m; r++) {
      const a0 = aOff + r * lda;
      const c0 = cOff + r * ldc;
      for (let n = N4; n < N; n++) {
        const w0 = wOff + n * K;
        let s0 = 0;
        for (let k = 0; k < K; k++) s0 += (A[a0 + k] as number) * (W[w0 + k] as number);
        C[c0 + n] = s0 + (bias ? (bias[biasOff + n] as number) : 0) + (acc ? (C[c0 + n] as number) : 0);
      }
    }
  }
  for (; m + 1 < M; m += 2) {
    const a0 = aOff + m * lda;
    const a1 = a0 + lda;
    const c0 = cOff + m * ldc;
    const c1 = c0 + ldc;
    let n = 0;
    for (; n + 3 < N; n += 4) {
      const w0 = wOff + n * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k] as number;
        const x1 = A[a1 + k] as number;
        const v0 = W[w0 + k] as number;
        const v1 = W[w1 + k] as number;
        const v2 = W[w2 + k] as number;
        const v3 = W[w3 + k] as number;
        s00 += x0 * v0; s01 += x0 * v1; s02 += x0 * v2; s03 += x0 * v3;
        s10 += x1 * v0; s11 += x1 * v1; s12 += x1 * v2; s13 += x1 * v3;
      }
      const b0 = bias ? (bias[biasOff + n] as number) : 0;
      const b1 = bias ? (bias[biasOff + n + 1] as number) : 0;
      const b2 = bias ? (bias[biasOff + n + 2] as number) : 0;
      const b3 = bias ? (bias[biasOff + n + 3] as number) : 0;
      if (acc) {
        s00 += C[c0 + n] as number; s01 += C[c0 + n + 1] as number; s02 += C[c0 + n + 2] as number; s03 += C[c0 + n + 3] as number;
        s10 += C[c1 + n] as number; s11 += C[c1 + n + 1] as number; s12 += C[c1 + n + 2] as number; s13 += C[c1 + n + 3] as number;
      }
      C[c0 + n] = s00 + b0; C[c0 + n + 1] = s01 + b1; C[c0 + n + 2] = s02 + b2; C[c0 + n + 3] = s03 + b3;
      C[c1 + n] = s10 + b0; C[c1 + n + 1] = s11 + b1; C[c1 + n + 2] = s12 + b2; C[c1 + n + 3] = s13 + b3;
    }
    for (; n < N; n++) {
      const w0 = wOff + n * K;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < K; k++) {
        const v = W[w0 + k] as number;
        s0 += (A[a0 + k] as number) * v;
        s1 += (A[a1 + k] as number) * v;
      }
      const b = bias ? (bias[biasOff + n] as number) : 0;
      C[c0 + n] = s0 + b + (acc ? (C[c0 + n] as number) : 0);
      C[c1 + n] = s1 + b + (acc ? (C[c1 + n] as number) : 0);
    }
  }
  for (; m < M; m++) {
    const a0 = aOff + m * lda;
    const c0 = cOff + m * ldc;
    for (let n = 0; n < N; n++) {
      const w0 = wOff + n * K;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        s0 += (A[a0 + k] as number) * (W[w0 + k] as number);
        s1 += (A[a0 + k + 1] as number) * (W[w0 + k + 1] as number);
      }
      if (k < K) s0 += (A[a0 + k] as number) * (W[w0 + k] as number);
      C[c0 + n] = s0 + s1 + (bias ? (bias[biasOff + n] as number) : 0) + (acc ? (C[c0 + n] as number) : 0);
    }
  }
}

/** Writes the transpose of the R × C block at src[off…] (row stride C) into dst[dstOff…] (C × R). */
export function transpose(src: Float64Array, off: number, R: number, C: number, dst: Float64Array, dstOff = 0): void {
  for (let r = 0; r < R; r++) {
    const so = off + r * C;
    for (let c = 0; c < C; c++) dst[dstOff + c * R + r] = src[so + c] as number;
  }
}

/**
 * C[m, k] += Σ_n D[m, n]·W[n, k] for m < M and k in [k0, k1) (D is M×N with row stride ldd, W is N×K):
 * back-propagation of output gradients D through weights W to the inputs. Four n per pass.
 */
export function gemmNN(
  M: number, N: number, K: number, k0: number, k1: number,
  D: Float64Array, dOff: number, ldd: number,
  W: Float64Array, wOff: number,
  C: Float64Array, cOff: number, ldc: number,
): void {
  for (let m = 0; m < M; m++) {
    const d = dOff + m * ldd;
    const c = cOff + m * ldc;
    let n = 0;
    for (; n + 3 < N; n += 4) {
      const g0 = D[d + n] as number;
      const g1 = D[d + n + 1] as number;
      const g2 = D[d + n + 2] as number;
      const g3 = D[d + n + 3] as number;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const w0 = wOff + n * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      for (let k = k0; k < k1; k++) {
        C[c + k] = (C[c + k] as number) + g0 * (W[w0 + k] as number) + g1 * (W[w1 + k] as number) + g2 * (W[w2 + k] as number) + g3 * (W[w3 + k] as number);
      }
    }
    for (; n < N; n++) {
      const g0 = D[d + n] as number;
      if (g0 === 0) continue;
      const w0 = wOff + n * K;
      for (let k = k0; k < k1; k++) C[c + k] = (C[c + k] as number) + g0 * (W[w0 + k] as number);
    }
  }
}

/**
 * G[n, k] += Σ_m D[m, n]·X[m, k] and gb[n] += Σ_m D[m, n] (D is M×N, X is M×K, G is N×K): the weight
 * and bias gradients of a layer over M rows at once. Four m per pass.
 */
export function gemmTN(
  M: number, N: number, K: number,
  D: Float64Array, dOff: number,
  X: Float64Array, xOff: number,
  G: Float64Array, gOff: number, gb: Float64Array, gbOff: number,
): void {
  let m = 0;
  for (; m + 3 < M; m += 4) {
    const d0 = dOff + m * N;
    const d1 = d0 + N;
    const d2 = d1 + N;
    const d3 = d2 + N;
    const x0 = xOff + m * K;
    const x1 = x0 + K;
    const x2 = x1 + K;
    const x3 = x2 + K;
    for (let n = 0; n < N; n++) {
      const g0 = D[d0 + n] as number;
      const g1 = D[d1 + n] as number;
      const g2 = D[d2 + n] as number;
      const g3 = D[d3 + n] as number;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      gb[gbOff + n] = (gb[gbOff + n] as number) + g0 + g1 + g2 + g3;
      const g = gOff + n * K;
      for (let k = 0; k < K; k++) {
        G[g + k] = (G[g + k] as number) + g0 * (X[x0 + k] as number) + g1 * (X[x1 + k] as number) + g2 * (X[x2 + k] as number) + g3 * (X[x3 + k] as number);
      }
    }
  }
  for (; m < M; m++) {
    const d0 = dOff + m * N;
    const x0 = xOff + m * K;
    for (let n = 0; n < N; n++) {
      const g0 = D[d0 + n] as number;
      if (g0 === 0) continue;
      gb[gbOff + n] = (gb[gbOff + n] as number) + g0;
      const g = gOff + n * K;
      for (let k = 0; k < K; k++) G[g + k] = (G[g + k] as number) + g0 * (X[x0 + k] as number);
    }
  }
}

/**
 * One LSTM step for `B` rows whose inputs and previous hidden states are already side by side in
 * `xh` (B × (inDim + H), row stride K): z = [x; h]·Wᵀ + b in one product, then the gate nonlinearities
 * and the cell update fused in one pass — gates [i f g o], c' = f·c + i·g, h' = o·tanh(c').
 * `gates` (B×4H, activated), `cNew`, `tc` (tanh c'), `hNew` (B×H each) start at the given offsets.
 */
export function lstmForwardXH(
  p: Float64Array, L: LayerLayout, H: number, B: number,
  xh: Float64Array, xhOff: number, cPrev: Float64Array, cPrevOff: number,
  gates: Float64Array, gOff: number, cNew: Float64Array, tc: Float64Array, hNew: Float64Array, hOff: number,
): void {
  const K = L.inDim + H;
  const H4 = 4 * H;
  gemmNT(B, H4, K, xh, xhOff, K, p, L.w, p, L.b, gates, gOff, H4);
  for (let b = 0; b < B; b++) {
    const go = gOff + b * H4;
    const ho = hOff + b * H;
    const co = cPrevOff + b * H;
    for (let k = 0; k < H; k++) {
      const i = sigm(gates[go + k] as number);
      const f = sigm(gates[go + H + k] as number);
      const g = Math.tanh(gates[go + 2 * H + k] as number);
      const o = sigm(gates[go + 3 * H + k] as number);
      gates[go + k] = i;
      gates[go + H + k] = f;
      gates[go + 2 * H + k] = g;
      gates[go + 3 * H + k] = o;
      const c = f * (cPrev[co + k] as number) + i * g;
      cNew[ho + k] = c;
      const t = Math.tanh(c);
      tc[ho + k] = t;
      hNew[ho + k] = o * t;
    }
  }
}

/**
 * One LSTM step for `B` rows with input `x` (B × inDim) and state `hPrev`, `cPrev` (B × H); `xh` is
 * scratch of B × (inDim + H). See {@link lstmForwardXH}.
 */
export function lstmStepForward(
  p: Float64Array, L: LayerLayout, H: number, B: number,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array,
  gates: Float64Array, cNew: Float64Array, tc: Float64Array, hNew: Float64Array, xh: Float64Array = new Float64Array(B * (L.inDim + H)),
): void {
  const inDim = L.inDim;
  const K = inDim + H;
  for (let b = 0; b < B; b++) {
    xh.set(x.subarray(b * inDim, (b + 1) * inDim), b * K);
    xh.set(hPrev.subarray(b * H, (b + 1) * H), b * K + inDim);
  }
  lstmForwardXH(p, L, H, B, xh, 0, cPrev, 0, gates, 0, cNew, tc, hNew, 0);
}

/** raw[b, a] = projB[a] + projW[a, :]·h[b, :]. */
export function project(p: Float64Array, layout: ParamLayout, H: number, A: number, B: number, h: Float64Array, raw: Float64Array, hOff = 0, rawOff = 0): void {
  gemmNT(B, A, H, h, hOff, H, p, layout.projW, p, layout.projB, raw, rawOff, A);
}

/** Copies each row's category embeddings into the input rows `x[b, embedOffset…]` (B rows of width D). */
export function writeEmbeddings(spec: NetworkSpec, layout: ParamLayout, p: Float64Array, cats: Int32Array, B: number, x: Float64Array, D: number): void {
  const E = spec.embeddingDimension;
  const nCat = spec.cardinality.length;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < nCat; j++) {
      const src = (layout.emb[j] as number) + (cats[b * nCat + j] as number) * E;
      const dst = b * D + spec.embedOffset + j * E;
      for (let e = 0; e < E; e++) x[dst + e] = p[src + e] as number;
    }
  }
}

/** A mask of zoneout: 1 where the new state is kept (probability 1 − rate), 0 where the old one is. */
export function drawZoneout(rng: Rng, rate: number, out: Uint8Array): void {
  const threshold = rate * 4294967296;
  for (let i = 0; i < out.length; i++) out[i] = rng.nextU32() < threshold ? 0 : 1;
}

/** Per-step state of a stacked LSTM at inference. */
export interface RecurrentState {
  readonly h: Float64Array[];
  readonly c: Float64Array[];
}

/** Zero state for `B` rows. */
export function zeroState(spec: NetworkSpec, B: number): RecurrentState {
  const n = B * spec.numCells;
  return {
    h: Array.from({ length: spec.numLayers }, () => new Float64Array(n)),
    c: Array.from({ length: spec.numLayers }, () => new Float64Array(n)),
  };
}

/**
 * One inference step (no zoneout) for `B` rows: advances `state` in place and writes the likelihood's
 * raw outputs into `raw` (B × numArgs). `x` already holds embeddings.
 */
export function inferenceStep(
  spec: NetworkSpec, layout: ParamLayout, p: Float64Array, B: number, x: Float64Array, state: RecurrentState, raw: Float64Array,
  scratch: { gates: Float64Array; cNew: Float64Array; tc: Float64Array; hNew: Float64Array; out: Float64Array; xh: Float64Array },
): void {
  const H = spec.numCells;
  let input = x;
  for (let l = 0; l < spec.numLayers; l++) {
    const L = layout.layers[l] as LayerLayout;
    const h = state.h[l] as Float64Array;
    const c = state.c[l] as Float64Array;
    lstmStepForward(p, L, H, B, input, h, c, scratch.gates, scratch.cNew, scratch.tc, scratch.hNew, scratch.xh);
    const out = l === 0 ? scratch.out : input;
    for (let i = 0; i < B * H; i++) {
      out[i] = (scratch.hNew[i] as number) + (l > 0 ? (input[i] as number) : 0);
      h[i] = scratch.hNew[i] as number;
      c[i] = scratch.cNew[i] as number;
    }
    input = out;
  }
  project(p, layout, H, spec.numArgs, B, input, raw);
}

/** Scratch buffers for {@link inferenceStep}. */
export function inferenceScratch(spec: NetworkSpec, B: number): Parameters<typeof inferenceStep>[7] {
  const n = B * spec.numCells;
  const K = Math.max(spec.inputDim, spec.numCells) + spec.numCells;
  return { gates: new Float64Array(4 * n), cNew: new Float64Array(n), tc: new Float64Array(n), hNew: new Float64Array(n), out: new Float64Array(n), xh: new Float64Array(B * K) };
}

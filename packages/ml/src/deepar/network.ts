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

/** Σ a[ao + k]·b[bo + k] for k < n, unrolled by four (V8 keeps four independent accumulators in registers). */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[bo + k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[bo + k + 3] as number);
  }
  for (; k < n; k++) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1 + s2 + s3;
}

/** y[yo + k] += alpha·x[xo + k] for k < n. */
function axpy(y: Float64Array, yo: number, alpha: number, x: Float64Array, xo: number, n: number): void {
  let k = 0;
  for (; k + 3 < n; k += 4) {
    y[yo + k] = (y[yo + k] as number) + alpha * (x[xo + k] as number);
    y[yo + k + 1] = (y[yo + k + 1] as number) + alpha * (x[xo + k + 1] as number);
    y[yo + k + 2] = (y[yo + k + 2] as number) + alpha * (x[xo + k + 2] as number);
    y[yo + k + 3] = (y[yo + k + 3] as number) + alpha * (x[xo + k + 3] as number);
  }
  for (; k < n; k++) y[yo + k] = (y[yo + k] as number) + alpha * (x[xo + k] as number);
}

/**
 * One LSTM step for `B` rows: z = W·[x; h] + b, gates [i f g o], c' = f·c + i·g, h' = o·tanh(c').
 * `gates`, `cNew`, `tc`, `hNew` receive B×4H, B×H, B×H, B×H values.
 */
export function lstmStepForward(
  p: Float64Array, L: LayerLayout, H: number, B: number,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array,
  gates: Float64Array, cNew: Float64Array, tc: Float64Array, hNew: Float64Array,
): void {
  const inDim = L.inDim;
  const K = inDim + H;
  const H4 = 4 * H;
  for (let b = 0; b < B; b++) {
    const xo = b * inDim;
    const ho = b * H;
    const go = b * H4;
    for (let r = 0; r < H4; r++) {
      const wo = L.w + r * K;
      const s = (p[L.b + r] as number) + dot(p, wo, x, xo, inDim) + dot(p, wo + inDim, hPrev, ho, H);
      gates[go + r] = r >= 2 * H && r < 3 * H ? Math.tanh(s) : sigm(s);
    }
    for (let k = 0; k < H; k++) {
      const i = gates[go + k] as number;
      const f = gates[go + H + k] as number;
      const g = gates[go + 2 * H + k] as number;
      const o = gates[go + 3 * H + k] as number;
      const c = f * (cPrev[ho + k] as number) + i * g;
      cNew[ho + k] = c;
      const t = Math.tanh(c);
      tc[ho + k] = t;
      hNew[ho + k] = o * t;
    }
  }
}

/**
 * Backward through one LSTM step. Inputs: `dh` (∂loss/∂h'), `dc` (∂loss/∂c' from the state path).
 * Accumulates weight gradients into `g`; writes ∂/∂hPrev into `dhPrev`, ∂/∂cPrev into `dcPrev`, and
 * adds ∂/∂x into `dx` for input columns [dxFrom, dxTo) (layer 0 only needs its embedding columns).
 */
export function lstmStepBackward(
  p: Float64Array, g: Float64Array, L: LayerLayout, H: number, B: number,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array,
  gates: Float64Array, tc: Float64Array, dh: Float64Array, dc: Float64Array,
  dhPrev: Float64Array, dcPrev: Float64Array, dx: Float64Array | null, dxFrom: number, dxTo: number, dz: Float64Array,
): void {
  const inDim = L.inDim;
  const K = inDim + H;
  const H4 = 4 * H;
  for (let b = 0; b < B; b++) {
    const ho = b * H;
    const go = b * H4;
    const xo = b * inDim;
    for (let k = 0; k < H; k++) {
      const i = gates[go + k] as number;
      const f = gates[go + H + k] as number;
      const gg = gates[go + 2 * H + k] as number;
      const o = gates[go + 3 * H + k] as number;
      const t = tc[ho + k] as number;
      const dhk = dh[ho + k] as number;
      const dck = (dc[ho + k] as number) + dhk * o * (1 - t * t);
      dz[k] = dck * gg * i * (1 - i);
      dz[H + k] = dck * (cPrev[ho + k] as number) * f * (1 - f);
      dz[2 * H + k] = dck * i * (1 - gg * gg);
      dz[3 * H + k] = dhk * t * o * (1 - o);
      dcPrev[ho + k] = dck * f;
      dhPrev[ho + k] = 0;
    }
    for (let r = 0; r < H4; r++) {
      const d = dz[r] as number;
      if (d === 0) continue;
      g[L.b + r] = (g[L.b + r] as number) + d;
      const wo = L.w + r * K;
      axpy(g, wo, d, x, xo, inDim);
      if (dx) axpy(dx, xo + dxFrom, d, p, wo + dxFrom, dxTo - dxFrom);
      const wh = wo + inDim;
      axpy(g, wh, d, hPrev, ho, H);
      axpy(dhPrev, ho, d, p, wh, H);
    }
  }
}

/** raw[b, a] = projB[a] + projW[a, :]·h[b, :]. */
export function project(p: Float64Array, layout: ParamLayout, H: number, A: number, B: number, h: Float64Array, raw: Float64Array): void {
  for (let b = 0; b < B; b++) {
    for (let a = 0; a < A; a++) {
      let s = p[layout.projB + a] as number;
      const wo = layout.projW + a * H;
      for (let k = 0; k < H; k++) s += (p[wo + k] as number) * (h[b * H + k] as number);
      raw[b * A + a] = s;
    }
  }
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
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < rate ? 0 : 1;
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
  scratch: { gates: Float64Array; cNew: Float64Array; tc: Float64Array; hNew: Float64Array; out: Float64Array },
): void {
  const H = spec.numCells;
  let input = x;
  for (let l = 0; l < spec.numLayers; l++) {
    const L = layout.layers[l] as LayerLayout;
    const h = state.h[l] as Float64Array;
    const c = state.c[l] as Float64Array;
    lstmStepForward(p, L, H, B, input, h, c, scratch.gates, scratch.cNew, scratch.tc, scratch.hNew);
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
  return { gates: new Float64Array(4 * n), cNew: new Float64Array(n), tc: new Float64Array(n), hNew: new Float64Array(n), out: new Float64Array(n) };
}

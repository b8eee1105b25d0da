/**
 * The hot loops of histogram GBDT training, written as self-contained functions (no imports, no
 * closures, no inner named functions) because the worker thread runs them from their source text
 * (`Function.prototype.toString`), so the same code runs on the main thread and in the worker, from
 * TypeScript sources under Vitest and from compiled JavaScript in production.
 *
 * Every operation is split by feature range `[f0, f1)` between threads: a feature's histogram,
 * binning, cuts and best split are always computed by one thread in row order, so results are
 * bit-identical whatever the thread count. Row partitioning is split by node instead.
 *
 * The kernels stay in this one module on purpose: a call into another module is rewritten by
 * transpilers (Vitest's SSR transform) into a namespace access that does not exist in the worker.
 */

/** The views both threads hold over the shared buffers, plus scalar settings. */
export interface KernelCtx {
  n: number;
  cols: number;
  /** Histogram slots per feature: max bins + 1 (the last used slot of a feature collects missing values). */
  S: number;
  lambda: number;
  alpha: number;
  maxDeltaStep: number;
  minChildWeight: number;
  /** Bytes per bin code: 1, or 2 when a code can pass 255. */
  binBytes: number;
  /** Row-major bin codes, `n × cols`; code `nbins[f]` means missing. */
  bins: Uint8Array | Uint16Array;
  /** Column-major copy of the bin codes (`cols × n`): row partitioning reads one feature's codes. */
  binsCol: Uint8Array | Uint16Array;
  /** Raw column-major features (only during binning). */
  x: Float32Array;
  /** Rows used for quantile sketching (sorted), or empty for all rows. */
  sample: Uint32Array;
  gh: Float32Array;
  rows: Uint32Array;
  tmp: Uint32Array;
  hist: Float64Array;
  nbins: Int32Array;
  cuts: Float32Array;
  minVals: Float32Array;
  job: Int32Array;
  jobF: Float64Array;
  mask: Uint8Array;
  out: Float64Array;
  /** Margins, `n × groups` row-major; labels; weights (empty: all 1). */
  margin: Float64Array;
  y: Float64Array;
  weights: Float64Array;
  /** Objective (`GRAD_*`), output groups and `scale_pos_weight` for the gradient op. */
  objective: number;
  groups: number;
  scalePosWeight: number;
  /** This thread's instance of the WebAssembly kernels (histogram.wat), when the runner has an arena. */
  wasm: WasmKernels | undefined;
  /** Byte address in the arena's memory of each array held there (`bins`, `rows`, `gh`, `hist` …). */
  at: Record<string, number>;
}

/** The exports of histogram.wat: histograms from one- or two-byte bin codes (arguments: byte addresses and counts). */
export interface WasmKernels {
  build8(rows: number, begin: number, end: number, bins: number, cols: number, f0: number, nf: number, gh: number, hist: number, stride: number): void;
  build16(rows: number, begin: number, end: number, bins: number, cols: number, f0: number, nf: number, gh: number, hist: number, stride: number): void;
}

export const OP_BUILD = 1;
export const OP_COMBINE = 2;
export const OP_SPLIT = 3;
export const OP_PARTITION = 4;
export const OP_SKETCH = 5;
export const OP_BIN = 6;
export const OP_GRADIENTS = 7;
export const OP_LEAVES = 8;
/** Objectives as `kernelGradients` numbers them. */
export const GRAD_LOGISTIC = 0;
export const GRAD_SQUARED = 1;
export const GRAD_POISSON = 2;
export const GRAD_SOFTMAX = 3;
/** Job header: `[op, itemCount, ghOffset, maxBin]`, items from index 4. */
export const JOB_HEADER = 4;
/** Per item and thread, OP_SPLIT writes `[lossChg, feature, splitBin, defaultLeft, GL, HL, GR, HR]`. */
export const SPLIT_OUT = 8;

/**
 * Wraps transferred buffers as the typed arrays the kernel expects (also run inside the worker).
 * A value `{ offset, bytes }` is a region of the WebAssembly arena (whose module and memory arrive
 * first as `wasm: { module, memory }`), viewed through the message's `arena` buffer; its byte
 * address is kept in `ctx.at`.
 */
export function kernelViews(ctx: Record<string, unknown>, msg: Record<string, unknown>): KernelCtx {
  for (const key of Object.keys(msg)) {
    const v = msg[key];
    if (typeof v === 'number') ctx[key] = v;
  }
  if (ctx['at'] === undefined) ctx['at'] = {};
  const at = ctx['at'] as Record<string, number>;
  const w = msg['wasm'] as { module: unknown; memory: unknown } | undefined;
  if (w !== undefined) {
    const wa = (globalThis as unknown as { WebAssembly: { Instance: new (m: unknown, imports: object) => { exports: unknown } } }).WebAssembly;
    ctx['wasm'] = new wa.Instance(w.module, { env: { memory: w.memory } }).exports;
  }
  for (const key of Object.keys(msg)) {
    const b = msg[key];
    if (typeof b === 'number' || b === null || b === undefined || key === 'wasm' || key === 'arena') continue;
    const region = b as { offset?: number; bytes?: number };
    const inArena = !(b instanceof ArrayBuffer) && !(b instanceof SharedArrayBuffer) && typeof region.offset === 'number';
    // The arena's buffer as the sender saw it: a worker's own `memory.buffer` may not know yet that another thread grew it.
    const buf = inArena ? (msg['arena'] as SharedArrayBuffer) : (b as ArrayBufferLike);
    const off = inArena ? (region.offset as number) : 0;
    const bytes = inArena ? (region.bytes as number) : buf.byteLength;
    let T: Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor | undefined;
    if (key === 'bins' || key === 'binsCol') T = ctx['binBytes'] === 2 ? Uint16Array : Uint8Array;
    else if (key === 'x' || key === 'gh' || key === 'cuts' || key === 'minVals') T = Float32Array;
    else if (key === 'sample' || key === 'rows' || key === 'tmp') T = Uint32Array;
    else if (key === 'hist' || key === 'jobF' || key === 'out' || key === 'margin' || key === 'y' || key === 'weights') T = Float64Array;
    else if (key === 'nbins' || key === 'job') T = Int32Array;
    else if (key === 'mask') T = Uint8Array;
    if (T === undefined) continue;
    ctx[key] = new T(buf as ArrayBuffer, off, bytes / T.BYTES_PER_ELEMENT);
    if (inArena) at[key] = off;
    else delete at[key];
  }
  return ctx as unknown as KernelCtx;
}

/** Runs the job in `ctx.job` for thread `tid` of `T`. */
export function kernelRun(c: KernelCtx, tid: number, T: number): void {
  const op = c.job[0] as number;
  const f0 = Math.floor((c.cols * tid) / T);
  const f1 = Math.floor((c.cols * (tid + 1)) / T);
  if (op === 1) kernelBuild(c, tid);
  else if (op === 2) kernelCombine(c, f0, f1);
  else if (op === 3) kernelSplit(c, f0, f1, tid, T);
  else if (op === 4) kernelPartition(c, tid);
  else if (op === 5) kernelSketch(c, f0, f1);
  else if (op === 6) kernelBin(c, f0, f1);
  else if (op === 7) {
    const n = c.n;
    kernelGradients(c.objective, c.margin, c.y, c.weights, c.groups, c.scalePosWeight, c.maxDeltaStep, c.gh, Math.floor((n * tid) / T), Math.floor((n * (tid + 1)) / T));
  } else if (op === 8) kernelLeaves(c, tid, T);
}

/**
 * Gradient pairs of rows `[r0, r1)` into `gh` (group `g`, row `i` at `2 * (g * n + i)`), `n = y.length`;
 * `kind` is a `GRAD_*` constant, `weights` empty for unit weights. One loop per objective: a per-row
 * test of the objective costs as much as the arithmetic.
 */
export function kernelGradients(kind: number, margin: Float64Array, y: Float64Array, weights: Float64Array, groups: number, scalePosWeight: number, maxDeltaStep: number, gh: Float32Array, r0: number, r1: number): void {
  const n = y.length;
  const weighted = weights.length > 0;
  if (kind === 3) {
    const p = new Float64Array(groups);
    for (let i = r0; i < r1; i++) {
      let mx = -Infinity;
      for (let g = 0; g < groups; g++) mx = Math.max(mx, margin[i * groups + g] as number);
      let sum = 0;
      for (let g = 0; g < groups; g++) sum += p[g] = Math.exp((margin[i * groups + g] as number) - mx);
      const label = y[i] as number;
      const w = weighted ? (weights[i] as number) : 1;
      for (let g = 0; g < groups; g++) {
        const pg = (p[g] as number) / sum;
        const k = 2 * (g * n + i);
        gh[k] = (g === label ? pg - 1 : pg) * w;
        gh[k + 1] = Math.max(2 * pg * (1 - pg) * w, 1e-16);
      }
    }
  } else if (kind === 2) {
    for (let i = r0; i < r1; i++) {
      const w = weighted ? (weights[i] as number) : 1;
      const m = margin[i] as number;
      gh[2 * i] = (Math.exp(m) - (y[i] as number)) * w;
      gh[2 * i + 1] = Math.exp(m + maxDeltaStep) * w;
    }
  } else if (kind === 1) {
    for (let i = r0; i < r1; i++) {
      const label = y[i] as number;
      const w = (weighted ? (weights[i] as number) : 1) * (label === 1 ? scalePosWeight : 1);
      gh[2 * i] = ((margin[i] as number) - label) * w;
      gh[2 * i + 1] = w;
    }
  } else {
    for (let i = r0; i < r1; i++) {
      const label = y[i] as number;
      const w = (weighted ? (weights[i] as number) : 1) * (label === 1 ? scalePosWeight : 1);
      const p = 1 / (1 + Math.exp(-(margin[i] as number)));
      gh[2 * i] = (p - label) * w;
      gh[2 * i + 1] = Math.max(p * (1 - p) * w, 1e-16);
    }
  }
}

/**
 * A new tree's leaf values into the margins: items `(begin, end)` from `job[4]`, the value of item
 * `i` in `jobF[i]`, output group `job[2]`; the positions `[0, job[3])` of `rows` are split evenly
 * between the threads (each margin gets one addition, whoever makes it).
 */
export function kernelLeaves(c: KernelCtx, tid: number, T: number): void {
  const job = c.job;
  const count = job[1] as number;
  const g = job[2] as number;
  const used = job[3] as number;
  const lo = Math.floor((used * tid) / T);
  const hi = Math.floor((used * (tid + 1)) / T);
  const rows = c.rows;
  const margin = c.margin;
  const G = c.groups;
  for (let it = 0; it < count; it++) {
    const b = Math.max(lo, job[4 + 2 * it] as number);
    const e = Math.min(hi, job[5 + 2 * it] as number);
    const v = c.jobF[it] as number;
    for (let i = b; i < e; i++) {
      const o = (rows[i] as number) * G + g;
      margin[o] = (margin[o] as number) + v;
    }
  }
}

/**
 * Histograms of items `(slot, begin, end)` over the rows `rows[begin, end)`, every feature, each item
 * by thread `jobF[i]` alone in row order (a large node comes as several items, one per part of its rows,
 * that {@link kernelCombine} sums in order).
 */
export function kernelBuild(c: KernelCtx, tid: number): void {
  const job = c.job;
  const count = job[1] as number;
  const go = job[2] as number;
  const cols = c.cols;
  const S2 = 2 * c.S;
  const hist = c.hist;
  const bins = c.bins;
  const gh = c.gh;
  const rows = c.rows;
  const wasm = c.wasm;
  const aBins = c.at.bins;
  const aRows = c.at.rows;
  const aGh = c.at.gh;
  const aHist = c.at.hist;
  for (let it = 0; it < count; it++) {
    const slot = job[4 + 3 * it] as number;
    const begin = job[5 + 3 * it] as number;
    const end = job[6 + 3 * it] as number;
    if ((c.jobF[it] as number) !== tid) continue;
    const kf = slot * cols * S2;
    const nf = cols;
    hist.fill(0, kf, kf + nf * S2);
    if (wasm !== undefined && aBins !== undefined && aRows !== undefined && aGh !== undefined && aHist !== undefined) {
      // The same loop in WebAssembly (histogram.wat), in calls of at most 32,768 rows: V8 runs a
      // function's first calls unoptimised and cannot switch a call already running.
      const build = c.binBytes === 2 ? wasm.build16 : wasm.build8;
      for (let b0 = begin; b0 < end; b0 += 32768) build(aRows, b0, Math.min(end, b0 + 32768), aBins, cols, 0, nf, aGh + 4 * go, aHist + 8 * kf, 8 * S2);
      continue;
    }
    // Four rows per step: independent load-add-store chains overlap (about 30 % faster in V8 than
    // one row at a time).
    let i = begin;
    for (; i + 3 < end; i += 4) {
      const r1 = rows[i] as number;
      const r2 = rows[i + 1] as number;
      const r3 = rows[i + 2] as number;
      const r4 = rows[i + 3] as number;
      const g1 = gh[go + 2 * r1] as number;
      const h1 = gh[go + 2 * r1 + 1] as number;
      const g2 = gh[go + 2 * r2] as number;
      const h2 = gh[go + 2 * r2 + 1] as number;
      const g3 = gh[go + 2 * r3] as number;
      const h3 = gh[go + 2 * r3 + 1] as number;
      const g4 = gh[go + 2 * r4] as number;
      const h4 = gh[go + 2 * r4 + 1] as number;
      const p1 = r1 * cols;
      const p2 = r2 * cols;
      const p3 = r3 * cols;
      const p4 = r4 * cols;
      for (let f = 0, k = kf; f < nf; f++, k += S2) {
        const a = k + 2 * (bins[p1 + f] as number);
        hist[a] = (hist[a] as number) + g1;
        hist[a + 1] = (hist[a + 1] as number) + h1;
        const b = k + 2 * (bins[p2 + f] as number);
        hist[b] = (hist[b] as number) + g2;
        hist[b + 1] = (hist[b + 1] as number) + h2;
        const d = k + 2 * (bins[p3 + f] as number);
        hist[d] = (hist[d] as number) + g3;
        hist[d + 1] = (hist[d + 1] as number) + h3;
        const e = k + 2 * (bins[p4 + f] as number);
        hist[e] = (hist[e] as number) + g4;
        hist[e + 1] = (hist[e + 1] as number) + h4;
      }
    }
    for (; i < end; i++) {
      const r = rows[i] as number;
      const g = gh[go + 2 * r] as number;
      const h = gh[go + 2 * r + 1] as number;
      const p = r * cols;
      for (let f = 0, k = kf; f < nf; f++, k += S2) {
        const a = k + 2 * (bins[p + f] as number);
        hist[a] = (hist[a] as number) + g;
        hist[a + 1] = (hist[a + 1] as number) + h;
      }
    }
  }
}

/**
 * Items `(dst, a, b)` in order, `dst = a + jobF[i] × b` over features `[f0, f1)`: a node's parts summed
 * into its histogram (`jobF` 1, `dst` = `a`), then siblings by subtraction (`jobF` −1; times −1 is exact,
 * so this is `a − b` to the bit).
 */
export function kernelCombine(c: KernelCtx, f0: number, f1: number): void {
  const job = c.job;
  const count = job[1] as number;
  const W = c.cols * 2 * c.S;
  const S2 = 2 * c.S;
  const hist = c.hist;
  for (let it = 0; it < count; it++) {
    const dst = (job[4 + 3 * it] as number) * W;
    const a = (job[5 + 3 * it] as number) * W;
    const b = (job[6 + 3 * it] as number) * W;
    const sign = c.jobF[it] as number;
    for (let j = f0 * S2; j < f1 * S2; j++) hist[dst + j] = (hist[a + j] as number) + sign * (hist[b + j] as number);
  }
}

/** XGBoost's `CalcWeight`: the optimal leaf weight, clipped by `max_delta_step`. */
export function kernelWeight(G: number, H: number, lambda: number, alpha: number, mds: number, mcw: number): number {
  if (H < mcw || H <= 0) return 0;
  const tg = G > alpha ? G - alpha : G < -alpha ? G + alpha : 0;
  let w = -tg / (H + lambda);
  if (mds !== 0 && Math.abs(w) > mds) w = w > 0 ? mds : -mds;
  return w;
}

/** XGBoost's split-evaluator `CalcGainGivenWeight` (the gain one side contributes). */
export function kernelGain(G: number, H: number, lambda: number, alpha: number, mds: number, mcw: number): number {
  if (H <= 0) return 0;
  if (mds === 0) {
    const tg = G > alpha ? G - alpha : G < -alpha ? G + alpha : 0;
    return (tg * tg) / (H + lambda);
  }
  const w = kernelWeight(G, H, lambda, alpha, mds, mcw);
  return -(2 * G * w + (H + lambda) * w * w);
}

/**
 * Best split per item `(slot, maskRow, _)` with node sums `(G, H)` in `jobF[2i], jobF[2i+1]`, over
 * features `[f0, f1)`: forward enumeration (missing right), then backward (missing left) when the
 * node has missing values, exactly as XGBoost 1.7's `HistEvaluator::EnumerateSplit`.
 */
export function kernelSplit(c: KernelCtx, f0: number, f1: number, tid: number, T: number): void {
  const job = c.job;
  const count = job[1] as number;
  const S = c.S;
  const S2 = 2 * S;
  const W = c.cols * S2;
  const hist = c.hist;
  const lambda = c.lambda;
  const alpha = c.alpha;
  const mds = c.maxDeltaStep;
  const mcw = c.minChildWeight;
  const out = c.out;
  for (let it = 0; it < count; it++) {
    const base = (job[4 + 3 * it] as number) * W;
    const maskRow = (job[5 + 3 * it] as number) * c.cols;
    const PG = c.jobF[2 * it] as number;
    const PH = c.jobF[2 * it + 1] as number;
    const rootGain = kernelGain(PG, PH, lambda, alpha, mds, mcw);
    let bestLoss = 0;
    let bestF = -1;
    let bestBin = 0;
    let bestDL = 0;
    let bGL = 0;
    let bHL = 0;
    let bGR = 0;
    let bHR = 0;
    for (let f = f0; f < f1; f++) {
      if (c.mask[maskRow + f] === 0) continue;
      const nb = c.nbins[f] as number;
      const k0 = base + f * S2;
      let GL = 0;
      let HL = 0;
      for (let b = 0; b < nb; b++) {
        GL += hist[k0 + 2 * b] as number;
        HL += hist[k0 + 2 * b + 1] as number;
        const GR = PG - GL;
        const HR = PH - HL;
        if (HL >= mcw && HR >= mcw) {
          const loss = Math.fround(kernelGain(GL, HL, lambda, alpha, mds, mcw) + kernelGain(GR, HR, lambda, alpha, mds, mcw) - rootGain);
          if (loss > bestLoss && loss !== Infinity) {
            bestLoss = loss; bestF = f; bestBin = b; bestDL = 0; bGL = GL; bHL = HL; bGR = GR; bHR = HR;
          }
        }
      }
      if (GL === PG && HL === PH) continue;
      let GR = 0;
      let HR = 0;
      for (let b = nb - 1; b >= 0; b--) {
        GR += hist[k0 + 2 * b] as number;
        HR += hist[k0 + 2 * b + 1] as number;
        const GLm = PG - GR;
        const HLm = PH - HR;
        if (HLm >= mcw && HR >= mcw) {
          const loss = Math.fround(kernelGain(GR, HR, lambda, alpha, mds, mcw) + kernelGain(GLm, HLm, lambda, alpha, mds, mcw) - rootGain);
          if (loss > bestLoss && loss !== Infinity) {
            bestLoss = loss; bestF = f; bestBin = b - 1; bestDL = 1; bGL = GLm; bHL = HLm; bGR = GR; bHR = HR;
          }
        }
      }
    }
    const o = (it * T + tid) * 8;
    out[o] = bestLoss; out[o + 1] = bestF; out[o + 2] = bestBin; out[o + 3] = bestDL;
    out[o + 4] = bGL; out[o + 5] = bHL; out[o + 6] = bGR; out[o + 7] = bHR;
  }
}

/**
 * Stable partition of items `(begin, end, feature | splitBin << 16 ... )`: item `i` is
 * `job[4 + 5i …]` = `(begin, end, feature, splitBin, defaultLeft)` and belongs to thread
 * `jobF[i]`; the left count is written to `out[i]`.
 */
export function kernelPartition(c: KernelCtx, tid: number): void {
  const job = c.job;
  const count = job[1] as number;
  const rows = c.rows;
  const tmp = c.tmp;
  const n = c.n;
  const table = new Uint8Array(c.S + 1);
  for (let it = 0; it < count; it++) {
    if (c.jobF[it] !== tid) continue;
    const begin = job[4 + 5 * it] as number;
    const end = job[5 + 5 * it] as number;
    const f = job[6 + 5 * it] as number;
    const sb = job[7 + 5 * it] as number;
    const dl = job[8 + 5 * it] as number;
    const missing = c.nbins[f] as number;
    // Branch-free: a per-node table says which codes go left; every row is written to both
    // outputs and only the matching cursor advances (the left/right choice is unpredictable).
    for (let b = 0; b <= missing; b++) table[b] = b === missing ? dl : b <= sb ? 1 : 0;
    const col = c.binsCol.subarray(f * n, (f + 1) * n);
    let l = begin;
    let rr = begin;
    for (let i = begin; i < end; i++) {
      const r = rows[i] as number;
      const gl = table[col[r] as number] as number;
      rows[l] = r;
      tmp[rr] = r;
      l += gl;
      rr += 1 - gl;
    }
    rows.set(tmp.subarray(begin, rr), l);
    c.out[it] = l - begin;
  }
}

/**
 * Quantile cuts for features `[f0, f1)` (XGBoost's `HistogramCuts`: bin `b` holds
 * `cuts[b-1] <= x < cuts[b]`, the last cut is a sentinel above the maximum). With at most `max_bin`
 * distinct values every distinct value starts a bin; otherwise cuts sit at the `i / max_bin`
 * quantiles of the sketch sample. Values are ordered with an LSD radix sort of their float bits.
 */
export function kernelSketch(c: KernelCtx, f0: number, f1: number): void {
  const maxBin = c.job[3] as number;
  const n = c.n;
  const xs = c.x;
  const sample = c.sample;
  const useSample = sample.length > 0;
  const m = useSample ? c.sample.length : n;
  const keys = new Uint32Array(m);
  const tmpk = new Uint32Array(m);
  const fk = new Float32Array(keys.buffer);
  const cnt = new Uint32Array(2048 * 3);
  const sorted = new Float32Array(m);
  const dv = new Float64Array(m);
  const dw = new Float64Array(m);
  const rmin = new Float64Array(m);
  for (let f = f0; f < f1; f++) {
    const col = f * n;
    let k = 0;
    for (let i = 0; i < m; i++) {
      const v = xs[col + (useSample ? (sample[i] as number) : i)] as number;
      if (v === v) fk[k++] = v === 0 ? 0 : v;
    }
    for (let i = 0; i < k; i++) {
      const b = keys[i] as number;
      keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    }
    cnt.fill(0);
    for (let i = 0; i < k; i++) {
      const b = keys[i] as number;
      cnt[b & 2047] = (cnt[b & 2047] as number) + 1;
      cnt[2048 + ((b >>> 11) & 2047)] = (cnt[2048 + ((b >>> 11) & 2047)] as number) + 1;
      cnt[4096 + (b >>> 22)] = (cnt[4096 + (b >>> 22)] as number) + 1;
    }
    for (let p = 0; p < 3; p++) {
      let s = 0;
      for (let b = 0; b < 2048; b++) {
        const v = cnt[p * 2048 + b] as number;
        cnt[p * 2048 + b] = s;
        s += v;
      }
    }
    let from = keys;
    let to = tmpk;
    for (let p = 0; p < 3; p++) {
      const sh = p * 11;
      const off = p * 2048;
      for (let i = 0; i < k; i++) {
        const b = from[i] as number;
        const slot = off + ((b >>> sh) & 2047);
        to[cnt[slot] as number] = b;
        cnt[slot] = (cnt[slot] as number) + 1;
      }
      const t = from;
      from = to;
      to = t;
    }
    const bits = new Uint32Array(sorted.buffer);
    for (let i = 0; i < k; i++) {
      const b = from[i] as number;
      bits[i] = b & 0x80000000 ? (b & 0x7fffffff) >>> 0 : ~b >>> 0;
    }
    const cb = f * c.S;
    if (k === 0) {
      c.nbins[f] = 0;
      c.minVals[f] = 0;
      continue;
    }
    // Distinct values and their counts: the exact weighted-quantile summary XGBoost's sketch holds.
    let distinct = 0;
    for (let i = 0; i < k; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) {
        dv[distinct] = sorted[i] as number;
        dw[distinct++] = 1;
      } else dw[distinct - 1] = (dw[distinct - 1] as number) + 1;
    }
    let nc = 0;
    if (distinct <= maxBin) {
      for (let i = 1; i < distinct; i++) c.cuts[cb + nc++] = dv[i] as number;
    } else {
      // WQSummary::SetPrune(summary, max_bin + 1), then AddCutPoint (entries 1 … max_bin − 1).
      let acc = 0;
      for (let i = 0; i < distinct; i++) {
        rmin[i] = acc;
        acc += dw[i] as number;
      }
      const last = distinct - 1;
      const begin = (rmin[0] as number) + (dw[0] as number);
      const range = Math.fround((rmin[last] as number) - begin);
      const nq = maxBin;
      let i = 1;
      let lastidx = 0;
      let taken = 1;
      for (let q = 1; q < nq && taken < maxBin; q++) {
        const dx2 = Math.fround(2 * Math.fround(Math.fround(Math.fround(q * range) / nq) + begin));
        while (i < last && dx2 >= 2 * (rmin[i + 1] as number) + (dw[i + 1] as number)) i++;
        if (i === last) break;
        const pick = dx2 < (rmin[i] as number) + (dw[i] as number) + (rmin[i + 1] as number) ? i : i + 1;
        if (pick !== lastidx) {
          lastidx = pick;
          taken++;
          const v = dv[pick] as number;
          if (nc === 0 || v > (c.cuts[cb + nc - 1] as number)) c.cuts[cb + nc++] = v;
        }
      }
      if (lastidx !== last && taken < maxBin && (nc === 0 || (dv[last] as number) > (c.cuts[cb + nc - 1] as number))) c.cuts[cb + nc++] = dv[last] as number;
    }
    const mx = sorted[k - 1] as number;
    c.cuts[cb + nc++] = Math.fround(mx + (Math.abs(mx) + 1e-5));
    c.nbins[f] = nc;
    const mn = sorted[0] as number;
    c.minVals[f] = Math.fround(mn - (Math.abs(mn) + 1e-5));
  }
}

/**
 * Bin codes for features `[f0, f1)` into the row-major `bins`: code = number of cuts `<= x`
 * (XGBoost's `upper_bound` search), found through a 65,536-entry table on the top 16 bits of the
 * order-preserving key of `x`, with a binary search only inside the few table cells a cut splits.
 */
export function kernelBin(c: KernelCtx, f0: number, f1: number): void {
  const n = c.n;
  const cols = c.cols;
  const bits = new Uint32Array(c.x.buffer, c.x.byteOffset, c.x.length);
  const cutBits = new Uint32Array(c.cuts.buffer, c.cuts.byteOffset, c.cuts.length);
  const lo = new Uint16Array(65536);
  const hi = new Uint16Array(65536);
  const ck = new Uint32Array(c.S);
  const bins = c.bins;
  const binsCol = c.binsCol;
  for (let f = f0; f < f1; f++) {
    const nb = c.nbins[f] as number;
    const cb = f * c.S;
    for (let j = 0; j < nb; j++) {
      const b = cutBits[cb + j] as number;
      ck[j] = b === 0x80000000 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    }
    // lo[cell] = #cuts <= first key of the cell; hi[cell] = #cuts <= last key of the cell.
    let a = 0;
    let z = 0;
    for (let cell = 0; cell < 65536; cell++) {
      const first = cell * 65536;
      const last = first + 65535;
      while (a < nb && (ck[a] as number) <= first) a++;
      if (z < a) z = a;
      while (z < nb && (ck[z] as number) <= last) z++;
      lo[cell] = a;
      hi[cell] = z;
    }
    const col = f * n;
    for (let i = 0; i < n; i++) {
      const b = bits[col + i] as number;
      let code: number;
      if ((b & 0x7fffffff) > 0x7f800000) code = nb;
      else {
        const key = b === 0x80000000 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
        const cell = key >>> 16;
        let l = lo[cell] as number;
        let h = hi[cell] as number;
        while (l < h) {
          const mid = (l + h) >> 1;
          if ((ck[mid] as number) <= key) l = mid + 1;
          else h = mid;
        }
        // At or past the last cut (+Inf, or a row the sketch's sample did not see above its maximum):
        // the last bin, as XGBoost's SearchBin clamps; code nb is for missing values only.
        code = l < nb ? l : nb - 1;
      }
      binsCol[col + i] = code;
    }
  }
  // Row-major copy in blocks of rows, so the strided writes stay in cache.
  const B = 2048;
  for (let r0 = 0; r0 < n; r0 += B) {
    const r1 = Math.min(n, r0 + B);
    for (let f = f0; f < f1; f++) {
      const col = f * n;
      for (let i = r0; i < r1; i++) bins[i * cols + f] = binsCol[col + i] as number;
    }
  }
}

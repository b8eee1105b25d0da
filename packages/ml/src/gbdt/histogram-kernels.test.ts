import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { histogramWasmBase64 } from './histogram-wasm.js';
import { OP_BUILD } from './kernel.js';
import { KernelRunner } from './kernel-runner.js';
import { loadDataset, split, withMissing } from './test-support.js';
import { trainGbdt } from './train.js';
import { WasmArena } from './wasm-arena.js';

/** `n` rows of `cols` continuous features (so 256 and more bins fill), a label from a few of them. */
function synthetic(n: number, cols: number, seed: number): LabeledData {
  const rng = new Rng(seed);
  const data = new Float32Array(n * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = (data[i] as number) + 0.5 * (data[n + i] as number) - (data[2 * n + i] as number) ** 2 + 0.3 * (rng.next() - 0.5) > 0 ? 1 : 0;
  return { x: { rows: n, cols, data }, y };
}

const bc = split(loadDataset('breast_cancer'));
const bcMissing = { ...bc.train, x: withMissing(bc.train.x, 3) };
const wide = synthetic(3000, 6, 1);
const wideMissing = { ...wide, x: withMissing(wide.x, 7) };

describe('GBDT histogram kernels (ADR 0017)', () => {
  // The WebAssembly kernel and the JavaScript one sum the same rows in the same order in f64: any
  // difference, in any code width or thread split, changes the model's JSON.
  const cases: [string, LabeledData, Record<string, string>][] = [
    ['one-byte codes, missing values, sampling', bcMissing, { objective: 'binary:logistic', num_round: '12', max_depth: '6', subsample: '0.8', colsample_bynode: '0.7', seed: '3' }],
    ['one-byte codes with 256 bins and no missing value', wide, { objective: 'binary:logistic', num_round: '8', max_depth: '7', max_bin: '256' }],
    ['two-byte codes: 256 bins and a missing value', wideMissing, { objective: 'binary:logistic', num_round: '8', max_depth: '7', max_bin: '256' }],
    ['two-byte codes: more than 256 bins', wide, { objective: 'reg:squarederror', num_round: '6', max_depth: '5', max_bin: '700' }],
    ['several output groups', split(loadDataset('wine')).train, { objective: 'multi:softprob', num_class: '3', num_round: '5' }],
    // Nodes of more than 65,536 rows are built in parts summed in order (tree-builder.ts PART_ROWS).
    ['nodes built in parts: 150,000 rows', synthetic(150_000, 4, 5), { objective: 'binary:logistic', num_round: '3', max_depth: '4', max_bin: '256', subsample: '0.9' }],
  ];
  for (const [name, data, params] of cases) {
    it(`WebAssembly and JavaScript kernels, one and two threads, build the identical model: ${name}`, async () => {
      const js = JSON.stringify(await trainGbdt(data, params, { threads: 1, kernels: 'js' }));
      expect(JSON.stringify(await trainGbdt(data, params, { threads: 1, kernels: 'wasm' }))).toBe(js);
      expect(JSON.stringify(await trainGbdt(data, params, { threads: 2, kernels: 'wasm' }))).toBe(js);
      expect(JSON.stringify(await trainGbdt(data, params, { threads: 2, kernels: 'js' }))).toBe(js);
    });
  }

  it('builds one job of several nodes, each owned by a thread, identically in WebAssembly (arena-held arrays) and JavaScript', async () => {
    const n = 5000;
    const cols = 9;
    const S = 300;
    const hists: Float64Array[] = [];
    for (const [threads, wasm, binBytes] of [[1, false, 2], [1, true, 2], [2, true, 2], [2, false, 2], [1, false, 1], [2, true, 1]] as const) {
      const r = await KernelRunner.create(threads, { wasm });
      try {
        const bins = r.allocHot(n * cols * binBytes);
        const rows = r.allocHot(n * 4);
        const gh = r.allocHot(2 * 2 * n * 4);
        const hist = r.allocHot(4 * cols * 2 * S * 8);
        r.set({ n, cols, S, binBytes, job: r.alloc(64 * 4), jobF: r.alloc(64 * 8), bins, rows, gh, hist });
        const c = r.ctx;
        expect([c.wasm !== undefined, c.at['bins'] !== undefined, c.at['hist'] !== undefined]).toEqual([wasm, wasm, wasm]);
        const seed = new Rng(9);
        for (let i = 0; i < n * cols; i++) c.bins[i] = Math.floor(seed.next() * (binBytes === 2 ? S : 256));
        for (let i = 0; i < 4 * n; i++) c.gh[i] = seed.next() - 0.5;
        // Rows of three nodes, each sorted, scattered over the data; gradients of the second group (offset 2n).
        for (let i = 0; i < n; i++) c.rows[i] = (i * 7919) % n;
        c.rows.subarray(0, 3000).sort();
        c.rows.subarray(3000, 4200).sort();
        c.rows.subarray(4200, n).sort();
        c.job.set([OP_BUILD, 3, 2 * n, 0, /* slot, begin, end */ 0, 0, 3000, 2, 3000, 4200, 3, 4200, n]);
        c.jobF.set([0, 1 % threads, 0]);
        r.run();
        hists.push(Float64Array.from(c.hist));
      } finally {
        await r.close();
      }
    }
    expect(hists[0]!.some((v) => v !== 0)).toBe(true);
    for (const h of hists.slice(1, 4)) expect(Array.from(h)).toEqual(Array.from(hists[0]!));
    expect(Array.from(hists[5]!)).toEqual(Array.from(hists[4]!));
  });

  it('a value at or past the last cut (+Inf) goes to the last bin, as XGBoost bins it — not to the missing code (nor, in one byte, to bin 0)', async () => {
    // x0 = i / n decides the label; 40 more rows have x0 = +Inf and label 1. 256 bins, no missing value.
    const n = 2000;
    const data = new Float32Array(n + 40);
    const y = new Float64Array(n + 40);
    for (let i = 0; i < n; i++) {
      data[i] = i / n;
      y[i] = i / n > 0.5 ? 1 : 0;
    }
    for (let i = n; i < n + 40; i++) [data[i], y[i]] = [Number.POSITIVE_INFINITY, 1];
    const d = { x: { rows: n + 40, cols: 1, data }, y };
    const params = { objective: 'binary:logistic', num_round: '1', max_depth: '1', eta: '1', lambda: '0', min_child_weight: '0', max_bin: '256' };
    const js = JSON.stringify(await trainGbdt(d, params, { threads: 1, kernels: 'js' }));
    const m = await trainGbdt(d, params, { threads: 2 });
    expect(JSON.stringify(m)).toBe(js);
    // One split near 0.5: the left leaf holds label-0 rows only (gradient 0.5, hessian 0.25 each: value −2
    // with eta 1, lambda 0) — the Inf rows, label 1, went right with the largest values.
    const t = m.data.trees[0]!;
    const left = t.left[0]!;
    expect(left).toBeGreaterThan(0);
    expect(t.value[left]).toBe(-2);
    expect(t.cover[left]).toBeGreaterThanOrEqual(0.25 * 999);
    expect(t.cover[left]).toBeLessThanOrEqual(0.25 * 1001);
  });

  it('the models still learn: 256-bin data with missing values', async () => {
    const m = await trainGbdt(wideMissing, { objective: 'binary:logistic', num_round: '30', max_depth: '4', max_bin: '256' });
    const p = m.predict(wideMissing.x);
    let right = 0;
    for (let i = 0; i < p.length; i++) right += (p[i]! > 0.5 ? 1 : 0) === wideMissing.y[i] ? 1 : 0;
    expect(right / p.length).toBeGreaterThan(0.85);
  });

  it('histogram-wasm.ts holds histogram.wat compiled (regenerate with node scripts/gen-gbdt-wasm.mjs)', async () => {
    const here = new URL('.', import.meta.url);
    const { generatedSource } = (await import(new URL('../../../../scripts/gen-gbdt-wasm.mjs', here).href)) as { generatedSource(): Promise<string> };
    expect(await generatedSource()).toBe(readFileSync(new URL('histogram-wasm.ts', here), 'utf8'));
    expect(histogramWasmBase64.length).toBeGreaterThan(100);
  });
});

describe('WasmArena', () => {
  it('hands out aligned, zeroed regions; the last one grows in place keeping its bytes; another one moves on', () => {
    const arena = WasmArena.create()!;
    expect(arena).toBeDefined();
    const a = arena.alloc(100)!;
    const b = arena.alloc(200_000)!;
    expect([a.offset % 64, b.offset % 64, b.offset >= a.offset + 100]).toEqual([0, 0, true]);
    const view = new Uint8Array(arena.memory.buffer, b.offset, b.bytes);
    expect(view.every((v) => v === 0)).toBe(true);
    view.fill(7);
    const grown = arena.alloc(500_000, b)!;
    expect(grown.offset).toBe(b.offset);
    const after = new Uint8Array(arena.memory.buffer, grown.offset, grown.bytes);
    expect([after[0], after[199_999], after[200_000], after[499_999]]).toEqual([7, 7, 0, 0]);
    // `a` is not the last region: growing it is a new region past `grown`.
    const moved = arena.alloc(1000, a)!;
    expect(moved.offset).toBeGreaterThanOrEqual(grown.offset + grown.bytes);
    // A region that shrinks in place does not give its tail back: the next region is still zeroed.
    const shrunk = arena.alloc(10, moved)!;
    const next = arena.alloc(64)!;
    expect(next.offset).toBeGreaterThanOrEqual(moved.offset + 1000);
    expect(shrunk.offset).toBe(moved.offset);
  });

  it('says so (undefined) when the memory cannot grow that far, and stays usable', () => {
    const arena = WasmArena.create()!;
    expect(arena.alloc(5 * 2 ** 30)).toBeUndefined();
    expect(arena.alloc(1024)).toBeDefined();
  });
});

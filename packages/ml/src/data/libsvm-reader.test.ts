import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { readLibsvm, readLibsvmSync } from './libsvm-reader.js';
import { runPython } from './python-reference.js';
import { Rng } from './random.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-libsvm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface XgbView {
  rows: number;
  cols: number;
  dense: (number | null)[];
  labels: number[];
}

/** XGBoost 1.7's own reading of a libsvm file, densified row-major with null for absent entries. */
function xgboostReads(path: string, indexingMode: number): XgbView {
  return runPython<XgbView>(
    `import json, sys, numpy as np, xgboost as xgb
a = json.load(sys.stdin)
d = xgb.DMatrix(a['path'] + '?format=libsvm&indexing_mode=' + str(a['mode']))
m = d.get_data().tocoo()
dense = np.full((d.num_row(), d.num_col()), np.nan)
dense[m.row, m.col] = m.data
print(json.dumps({'rows': d.num_row(), 'cols': d.num_col(), 'labels': d.get_label().tolist(),
  'dense': [None if np.isnan(v) else float(v) for v in dense.ravel()]}))`,
    { path, mode: indexingMode },
  );
}

function randomLibsvm(oneBased: boolean, seed: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const parts = [String(rng.int(2))];
    if (i % 5 === 0) parts.push('qid:' + (i % 3));
    for (let j = 0; j < 12; j++) if (rng.next() < 0.4) parts.push(`${j + (oneBased ? 1 : 0)}:${((rng.next() - 0.5) * 100).toPrecision(5)}`);
    lines.push(parts.join(i % 2 ? ' ' : '\t') + (i % 7 === 0 ? ' # note' : ''));
  }
  return lines.join('\n') + '\n';
}

describe('readLibsvm matches XGBoost 1.7 DMatrix', () => {
  it.each([
    ['1-based file, XGBoost default (0-based: empty column 0)', true, 'zero', 0],
    ['1-based file, auto detection', true, 'auto', -1],
    ['0-based file, auto detection', false, 'auto', -1],
  ] as const)('%s', async (_name, oneBased, indexing, mode) => {
    const path = join(dir, `f-${oneBased}-${indexing}.svm`);
    writeFileSync(path, randomLibsvm(oneBased, oneBased ? 1 : 2));
    const ref = xgboostReads(path, mode);
    const d = await readLibsvm(path, { indexing });
    expect([d.x.rows, d.x.cols]).toEqual([ref.rows, ref.cols]);
    expect(Array.from(d.y)).toEqual(ref.labels);
    for (let i = 0; i < ref.rows; i++) {
      for (let j = 0; j < ref.cols; j++) {
        const want = ref.dense[i * ref.cols + j];
        const got = d.x.data[j * d.x.rows + i] as number;
        if (want === null || want === undefined) expect(got).toBeNaN();
        // XGBoost's dmlc::strtof can be one float32 ulp off; ours is correctly rounded (see the CSV test).
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23);
      }
    }
  });
});

describe('readLibsvm details', () => {
  it('reads label:weight, a stream and 1-based indexing', async () => {
    const text = '1:2.5 1:1 3:2\n0 2:4\n';
    const d = readLibsvmSync(new TextEncoder().encode(text), { indexing: 'one' });
    expect(Array.from(d.weights ?? [])).toEqual([2.5, 1]);
    expect(Array.from(d.x.data)).toEqual([1, Number.NaN, Number.NaN, 4, 2, Number.NaN]);
    async function* parts(): AsyncIterable<Uint8Array> {
      const b = new TextEncoder().encode(text);
      for (let i = 0; i < b.length; i += 3) yield b.subarray(i, i + 3);
    }
    const s = await readLibsvm(parts(), { indexing: 'one' });
    expect(Array.from(s.x.data)).toEqual(Array.from(d.x.data));
  });
  it('names the row of a malformed entry, a non-numeric label and an index beyond numFeatures', () => {
    const read = (t: string, o = {}): unknown => readLibsvmSync(new TextEncoder().encode(t), o);
    expect(() => read('1 1:2\n0 2:x\n')).toThrow("libsvm row 2: '2:x' has a non-numeric value.");
    expect(() => read('1 1:2\n0 a:1\n')).toThrow(/row 2: 'a:1' is not index:value/);
    expect(() => read('1 1:2\nyes 2:1\n')).toThrow('libsvm row 2: the label is not a number.');
    expect(() => read('1 0:2\n', { indexing: 'one' })).toThrow(MlInputError);
    expect(() => read('1 7:2\n', { numFeatures: 5 })).toThrow(/index 7 is beyond numFeatures 5/);
  });
});

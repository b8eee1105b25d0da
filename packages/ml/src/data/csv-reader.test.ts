import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { readCsv, readCsvMatrix, readCsvStream } from './csv-reader.js';
import { at } from './matrix.js';
import { runPython } from './python-reference.js';
import { Rng } from './random.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function* chunked(b: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

// Cells in every spelling a CSV writer produces: fixed, exponent, 17+ significant digits, denormal,
// signs, padding, special words, empty (missing).
const rng = new Rng(3);
const spell = (): string => {
  const v = (rng.next() - 0.5) * 10 ** rng.int(12) * (rng.next() < 0.1 ? 1e-35 : 1);
  switch (rng.int(9)) {
    case 0: return v.toExponential(rng.int(10));
    case 1: return v.toPrecision(1 + rng.int(20));
    case 2: return String(v);
    case 3: return ` ${v.toFixed(rng.int(8))} `;
    case 4: return `+${Math.abs(v).toPrecision(6)}`;
    case 5: return ['nan', 'NaN', 'inf', '-inf', 'Infinity', ''][rng.int(6)] as string;
    case 6: return String(rng.int(1000) - 500);
    case 7: return `${rng.int(100)}.`;
    default: return `.${rng.int(100000)}E-${rng.int(45)}`;
  }
};
const rowsText = Array.from({ length: 300 }, () => [String(rng.int(3)), ...Array.from({ length: 7 }, spell)]);

describe('readCsv against Python float() rounded to float32', () => {
  const text = rowsText.map((r) => r.join(',')).join('\n') + '\n';
  const ref = runPython<(number | null)[][]>(
    `import json, sys, numpy as np
rows = json.load(sys.stdin)
def f(s):
    s = s.strip()
    return float(np.float32(float(s))) if s else float('nan')
out = [[(None if np.isnan(f(c)) else (('Infinity' if f(c) > 0 else '-Infinity') if np.isinf(f(c)) else f(c))) for c in r] for r in rows]
print(json.dumps(out))`,
    rowsText,
  );
  const expected = (i: number, j: number): number => {
    const v = (ref[i] as (number | string | null)[])[j];
    return v === null ? Number.NaN : Number(v);
  };

  it('parses every cell to the float32 Python gets, label in column 1', () => {
    const d = readCsv(bytes(text));
    expect(d.x.rows).toBe(300);
    expect(d.x.cols).toBe(7);
    for (let i = 0; i < 300; i++) {
      expect(d.y[i]).toBe(expected(i, 0));
      for (let j = 0; j < 7; j++) expect([i, j, (rowsText[i] as string[])[j + 1], at(d.x, i, j)]).toEqual([i, j, (rowsText[i] as string[])[j + 1], expected(i, j + 1)]);
    }
  });

  it('gives the same matrix from a stream cut at arbitrary bytes, a file path, and CRLF line ends', async () => {
    const want = readCsv(bytes(text));
    const streamed = await readCsvStream(chunked(bytes(text), 13));
    expect(streamed.x.data).toEqual(want.x.data);
    expect(streamed.y).toEqual(want.y);
    const path = join(dir, 'a.csv');
    writeFileSync(path, text.replaceAll('\n', '\r\n'));
    const fromFile = readCsv(path);
    expect(fromFile.x.data).toEqual(want.x.data);
  });
});

describe('readCsv layout and options', () => {
  it('reads a shipped dataset with a header as names, label first', () => {
    const d = readCsv(new URL('../../../../datasets/tabular/iris.csv', import.meta.url).pathname, { header: true });
    expect(d.x.rows).toBe(150);
    expect(d.x.columnNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect([d.y[0], d.y[149]]).toEqual([0, 2]);
    expect(at(d.x, 0, 0)).toBe(Math.fround(5.1));
    expect(at(d.x, 149, 3)).toBe(Math.fround(1.8));
  });

  it('skips a UTF-8 byte-order mark', () => {
    const d = readCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('1,2\n0,3\n')]));
    expect(Array.from(d.y)).toEqual([1, 0]);
  });

  it('reads label_size=0, skips blank lines and takes a last line without a newline', () => {
    const m = readCsvMatrix(bytes('1,2\n\n3,4\n  \n5,6'));
    expect([m.rows, m.cols]).toEqual([3, 2]);
    expect(Array.from(m.data)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('crosses the 4 MB read chunks of a file without losing or splitting a row', () => {
    const n = 160_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`${i % 2},${i},${(i * 0.001).toFixed(3)},-${i}e-2,${i % 7}`);
    const path = join(dir, 'big.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    expect(readFileSync(path).length).toBeGreaterThan(4 << 20);
    const d = readCsv(path);
    expect(d.x.rows).toBe(n);
    for (const i of [0, 1, 65_535, 65_536, 99_999, n - 1]) {
      expect(at(d.x, i, 0)).toBe(i);
      expect(at(d.x, i, 1)).toBe(Math.fround(Number((i * 0.001).toFixed(3))));
      expect(at(d.x, i, 2)).toBe(Math.fround(-i / 100));
      expect(d.y[i]).toBe(i % 2);
    }
  });
});

describe('readCsv bad input names the row and column', () => {
  const err = (s: string, opts = {}): MlInputError => {
    try {
      readCsv(bytes(s), opts);
    } catch (e) {
      if (e instanceof MlInputError) return e;
      throw e;
    }
    throw new Error('expected an MlInputError');
  };
  it('ragged rows (too few and too many columns)', () => {
    expect(err('1,2,3\n0,4\n').message).toBe('CSV row 2 has 2 columns; expected 3 as in the first row.');
    expect(err('1,2,3\n0,4,5\n1,2,3,4\n').message).toBe('CSV row 3 has 4 columns; expected 3 as in the first row.');
  });
  it('non-numeric cells', () => {
    const e = err('1,2,3\n0,4,abc\n');
    expect(e.message).toBe("CSV row 2, column 3: cell 'abc' is not a number.");
    expect(e.where).toEqual({ row: 2, column: 3 });
    expect(err('1,2,3\n0,4.5.6,1\n').message).toBe("CSV row 2, column 2: cell '4.5.6' is not a number.");
    expect(err('a,b\n1,x\n', { header: true }).message).toBe("CSV row 1 (line 2), column 2: cell 'x' is not a number.");
  });
  it('missing or NaN labels', () => {
    expect(err('1,2\n,3\n').message).toBe('CSV row 2: the label (column 1) is missing or NaN.');
    expect(err('1,2\nnan,3\n').message).toBe('CSV row 2: the label (column 1) is missing or NaN.');
  });
});

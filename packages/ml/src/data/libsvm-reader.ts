import { MlInputError } from '../errors.js';
import { forEachFileChunk, forEachStreamChunk, type ByteSource } from './line-chunks.js';
import { createMatrix, type LabeledData } from './matrix.js';
import { NumberScanner } from './number-scanner.js';

/** Options of the libsvm reader. */
export interface LibsvmOptions {
  /**
   * How feature indexes are numbered. `'zero'` (default) is XGBoost 1.7's default
   * (`indexing_mode=0`, what SageMaker's XGBoost container uses): a 1-based file then has an empty
   * column 0, exactly as XGBoost sees it, so models and feature numbers agree. `'one'` shifts every
   * index down by one. `'auto'` is XGBoost's `indexing_mode=-1` heuristic: 1-based when no index is 0.
   */
  readonly indexing?: 'zero' | 'one' | 'auto';
  /** Fixes the number of features (e.g. a validation file must match training); default: the largest index + 1. */
  readonly numFeatures?: number;
}

/**
 * Reads libsvm / SVMlight text (`label[:weight] [qid:n] index:value … [# comment]`) into a dense
 * column-major matrix. Absent entries are missing values (NaN), as in an XGBoost DMatrix built from
 * libsvm; a `label:weight` prefix sets the row's weight.
 * @throws MlInputError naming the row of a malformed entry, a bad index or a non-numeric label.
 */
export async function readLibsvm(source: ByteSource, opts: LibsvmOptions = {}): Promise<LabeledData> {
  const p = new LibsvmParser();
  if (typeof source === 'string') forEachFileChunk(source, (v) => p.feed(v));
  else if (source instanceof Uint8Array) p.feed(source);
  else await forEachStreamChunk(source, (v) => p.feed(v));
  return p.result(opts);
}

/** {@link readLibsvm} for a path or bytes, synchronously. */
export function readLibsvmSync(source: string | Uint8Array, opts: LibsvmOptions = {}): LabeledData {
  const p = new LibsvmParser();
  if (typeof source === 'string') forEachFileChunk(source, (v) => p.feed(v));
  else p.feed(source);
  return p.result(opts);
}

class LibsvmParser {
  private rowPtr: Uint32Array = new Uint32Array(1024);
  private index: Int32Array = new Int32Array(4096);
  private value: Float32Array = new Float32Array(4096);
  private labels: Float64Array = new Float64Array(1024);
  private weights: Float64Array | undefined;
  private nnz = 0;
  private rows = 0;
  private line = 0;
  private minIndex = Infinity;
  private maxIndex = -1;

  feed(buf: Uint8Array): void {
    const sc = new NumberScanner(buf);
    const n = buf.length;
    const comments = buf.indexOf(35) >= 0;
    let start = 0;
    while (start < n) {
      let end = buf.indexOf(10, start);
      if (end < 0) end = n;
      this.line++;
      let stop = end;
      // '#': the rest of the line is a comment.
      if (comments) for (let i = start; i < end; i++) if (buf[i] === 35) { stop = i; break; }
      this.parseLine(buf, sc, start, stop);
      start = end + 1;
    }
  }

  private parseLine(buf: Uint8Array, sc: NumberScanner, start: number, stop: number): void {
    let p = skipSpace(buf, start, stop);
    if (p >= stop) return;
    const r = this.rows;
    sc.pos = p;
    const label = sc.number();
    if (sc.failed || !Number.isFinite(label)) this.fail(`the label is not a number`, 'label');
    p = sc.pos;
    let weight: number | undefined;
    if (buf[p] === 58) {
      sc.pos = p + 1;
      weight = sc.number();
      if (sc.failed) this.fail('the weight after the label is not a number', 'weight');
      p = sc.pos;
    }
    if (p < stop && !isSpace(buf[p])) this.fail(`the label is not a number`, 'label');
    this.pushRow(r, label, weight);
    for (p = skipSpace(buf, p, stop); p < stop; p = skipSpace(buf, p, stop)) {
      const tokenStart = p;
      if (buf[p] === 113 && buf[p + 1] === 105 && buf[p + 2] === 100 && buf[p + 3] === 58) {
        // qid:<n> (ranking groups) carries no feature.
        sc.pos = p + 4;
        sc.number();
        if (sc.failed) this.fail('qid is not a number', 'qid');
        p = sc.pos;
        continue;
      }
      sc.pos = p;
      const idx = sc.number();
      if (sc.failed || buf[sc.pos] !== 58 || !Number.isInteger(idx) || idx < 0) {
        this.fail(`'${token(buf, tokenStart, stop)}' is not index:value with a non-negative integer index`, 'entry');
      }
      sc.pos++;
      const v = sc.number();
      if (sc.failed || (sc.pos < stop && !isSpace(buf[sc.pos]))) this.fail(`'${token(buf, tokenStart, stop)}' has a non-numeric value`, 'entry');
      p = sc.pos;
      this.pushEntry(idx, v);
    }
    this.rows++;
    this.rowPtr[this.rows] = this.nnz;
  }

  private pushRow(r: number, label: number, weight: number | undefined): void {
    if (r + 2 > this.rowPtr.length) {
      this.rowPtr = growU32(this.rowPtr);
      this.labels = growF64(this.labels, this.rowPtr.length);
    }
    this.labels[r] = label;
    if (weight !== undefined && !this.weights) this.weights = new Float64Array(this.labels.length).fill(1);
    if (this.weights) {
      if (this.weights.length < this.labels.length) this.weights = growF64(this.weights, this.labels.length, 1);
      this.weights[r] = weight ?? 1;
    }
  }

  private pushEntry(idx: number, v: number): void {
    if (this.nnz === this.index.length) {
      const ni = new Int32Array(this.index.length * 2);
      ni.set(this.index);
      this.index = ni;
      const nv = new Float32Array(this.value.length * 2);
      nv.set(this.value);
      this.value = nv;
    }
    this.index[this.nnz] = idx;
    this.value[this.nnz++] = v;
    if (idx < this.minIndex) this.minIndex = idx;
    if (idx > this.maxIndex) this.maxIndex = idx;
  }

  private fail(what: string, part: string): never {
    throw new MlInputError(`libsvm row ${this.rows + 1}${this.line !== this.rows + 1 ? ` (line ${this.line})` : ''}: ${what}.`, { row: this.rows + 1, part });
  }

  result(opts: LibsvmOptions): LabeledData {
    const mode = opts.indexing ?? 'zero';
    const shift = mode === 'one' || (mode === 'auto' && this.minIndex >= 1) ? 1 : 0;
    if (shift === 1 && this.minIndex === 0) {
      throw new MlInputError(`libsvm feature index 0 appears, but indexing is 'one' (1-based).`, { option: 'indexing' });
    }
    const width = this.maxIndex < 0 ? 0 : this.maxIndex + 1 - shift;
    const cols = opts.numFeatures ?? width;
    if (width > cols) {
      throw new MlInputError(`libsvm feature index ${this.maxIndex} is beyond numFeatures ${cols} (${mode}-based indexing).`, { option: 'numFeatures' });
    }
    const n = this.rows;
    const x = createMatrix(n, cols);
    x.data.fill(Number.NaN);
    for (let i = 0; i < n; i++) {
      for (let k = this.rowPtr[i] as number, e = this.rowPtr[i + 1] as number; k < e; k++) {
        x.data[((this.index[k] as number) - shift) * n + i] = this.value[k] as number;
      }
    }
    const y = this.labels.slice(0, n);
    return this.weights ? { x, y, weights: this.weights.slice(0, n) } : { x, y };
  }
}

const isSpace = (c: number | undefined): boolean => c === 32 || c === 9 || c === 13;

function skipSpace(buf: Uint8Array, p: number, stop: number): number {
  while (p < stop && isSpace(buf[p])) p++;
  return p;
}

function token(buf: Uint8Array, p: number, stop: number): string {
  let e = p;
  while (e < stop && !isSpace(buf[e])) e++;
  return String.fromCharCode(...buf.subarray(p, Math.min(e, p + 40)));
}

function growU32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, min: number, fill = 0): Float64Array {
  const b = new Float64Array(Math.max(a.length * 2, min));
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}

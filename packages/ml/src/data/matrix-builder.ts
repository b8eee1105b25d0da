import { createMatrix, type DenseMatrix } from './matrix.js';

const BLOCK_ROWS = 2048;

/**
 * Collects rows as a reader produces them and lays them out column-major. Rows are staged row-major in
 * a small block (cache-resident), then each block is written column by column, so the large matrix is
 * only ever written sequentially. When the row count is known up front (a file or buffer counted
 * before parsing), blocks go straight into the final matrix and peak memory is the matrix itself;
 * otherwise (a stream) blocks are kept until the end.
 */
export class MatrixBuilder {
  /** The row being filled: a reader writes the features of one row here, then calls {@link commit}. */
  readonly row: Float32Array;
  private block: Float32Array;
  private inBlock = 0;
  private done = 0;
  private written = 0;
  private labels: Float64Array;
  private weights: Float64Array | undefined;
  private readonly kept: Float32Array[] = [];
  private out: DenseMatrix | undefined;

  constructor(readonly cols: number, private readonly expectedRows?: number) {
    this.block = new Float32Array(BLOCK_ROWS * cols);
    this.row = this.block.subarray(0, cols);
    if (expectedRows !== undefined) this.out = createMatrix(expectedRows, cols);
    this.labels = new Float64Array(Math.max(16, expectedRows ?? 1024));
  }

  /** Rows committed so far. */
  get rows(): number {
    return this.done + this.inBlock;
  }

  /**
   * Adds the row in {@link row}, with its label (and weight, for readers whose rows carry one), and
   * points {@link row} at the next slot.
   */
  commit(label = Number.NaN, weight?: number): void {
    const i = this.done + this.inBlock;
    if (i === this.labels.length) this.labels = grow(this.labels);
    this.labels[i] = label;
    if (weight !== undefined || this.weights) {
      if (!this.weights) this.weights = new Float64Array(this.labels.length).fill(1);
      if (this.weights.length < this.labels.length) this.weights = grow(this.weights, this.labels.length);
      this.weights[i] = weight ?? 1;
    }
    this.inBlock++;
    if (this.inBlock === BLOCK_ROWS) this.flush();
    const off = this.inBlock * this.cols;
    (this as { row: Float32Array }).row = this.block.subarray(off, off + this.cols);
  }

  /** Fills the current row with NaN (missing), for readers of sparse rows. */
  clearRow(): void {
    this.row.fill(Number.NaN);
  }

  private flush(): void {
    if (this.inBlock === 0) return;
    if (this.out && this.kept.length === 0 && this.done + this.inBlock <= this.out.rows) {
      writeBlock(this.block, this.inBlock, this.cols, this.out.data, this.out.rows, this.done);
      this.written += this.inBlock;
    } else {
      this.kept.push(this.block.slice(0, this.inBlock * this.cols));
    }
    this.done += this.inBlock;
    this.inBlock = 0;
  }

  /** The finished matrix (trimmed when fewer rows came than expected). */
  finish(columnNames?: readonly string[]): DenseMatrix {
    this.flush();
    const rows = this.done;
    let m: DenseMatrix;
    if (this.out && this.kept.length === 0) {
      m = rows === this.out.rows ? this.out : trim(this.out, rows);
    } else {
      // Unknown size (or more rows than expected): assemble every block into a fresh matrix.
      m = createMatrix(rows, this.cols);
      let at = 0;
      if (this.out) {
        const head = this.written;
        for (let j = 0; j < this.cols; j++) m.data.set(this.out.data.subarray(j * this.out.rows, j * this.out.rows + head), j * rows);
        at = head;
      }
      for (const b of this.kept) {
        const r = b.length / this.cols;
        writeBlock(b, r, this.cols, m.data, rows, at);
        at += r;
      }
    }
    return columnNames ? { ...m, columnNames } : m;
  }

  /** The labels of the rows committed, one per row (NaN where none was given). */
  finishLabels(): Float64Array {
    return this.labels.slice(0, this.rows);
  }

  /** The per-row weights, if any row carried one (the others weigh 1). */
  finishWeights(): Float64Array | undefined {
    return this.weights?.slice(0, this.rows);
  }
}

function grow(a: Float64Array, min = 0): Float64Array {
  const b = new Float64Array(Math.max(a.length * 2, min));
  b.set(a);
  return b;
}

function writeBlock(block: Float32Array, r: number, cols: number, dst: Float32Array, dstRows: number, at: number): void {
  for (let j = 0; j < cols; j++) {
    let o = j * dstRows + at;
    for (let k = 0, s = j; k < r; k++, s += cols) dst[o++] = block[s] as number;
  }
}

function trim(m: DenseMatrix, rows: number): DenseMatrix {
  const data = m.data;
  for (let j = 1; j < m.cols; j++) data.copyWithin(j * rows, j * m.rows, j * m.rows + rows);
  return { rows, cols: m.cols, data: data.subarray(0, rows * m.cols) };
}

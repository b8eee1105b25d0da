/**
 * The dense matrix every algorithm in `ml` reads.
 *
 * Column-major: column `j` occupies `data[j * rows, (j + 1) * rows)`, so a per-feature pass (binning,
 * sorting, statistics) touches contiguous memory. Missing values are `NaN`. Float32 keeps a 1M × 50
 * matrix at 200 MB, the same bytes the Python peers train on after reading the CSV.
 */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
  /** Optional names, e.g. from a header row; algorithms never require them. */
  readonly columnNames?: readonly string[];
}

/** A feature matrix with one label per row and optional per-row weights. */
export interface LabeledData {
  readonly x: DenseMatrix;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
}

/** Allocates a zero-filled `rows × cols` matrix. */
export function createMatrix(rows: number, cols: number, columnNames?: readonly string[]): DenseMatrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`Matrix shape must be non-negative integers, got ${rows} × ${cols}.`);
  }
  return columnNames ? { rows, cols, data: new Float32Array(rows * cols), columnNames } : { rows, cols, data: new Float32Array(rows * cols) };
}

/** A view (no copy) of column `j`. */
export function column(m: DenseMatrix, j: number): Float32Array {
  return m.data.subarray(j * m.rows, (j + 1) * m.rows);
}

/** The value at row `i`, column `j`. */
export function at(m: DenseMatrix, i: number, j: number): number {
  return m.data[j * m.rows + i] as number;
}

/** Builds a matrix from row-major nested arrays (tests, small inputs, single-row prediction). */
export function fromRows(rows: readonly (readonly number[])[], columnNames?: readonly string[]): DenseMatrix {
  const n = rows.length;
  const d = n === 0 ? (columnNames?.length ?? 0) : (rows[0] as readonly number[]).length;
  const m = createMatrix(n, d, columnNames);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as readonly number[];
    if (r.length !== d) throw new RangeError(`Row ${i + 1} has ${r.length} values; expected ${d}.`);
    for (let j = 0; j < d; j++) m.data[j * n + i] = r[j] as number;
  }
  return m;
}

/** Copies the given rows (by index) into a new matrix: train/validation splits, bootstrap samples. */
export function takeRows(m: DenseMatrix, index: ArrayLike<number>): DenseMatrix {
  const n = index.length;
  const out = createMatrix(n, m.cols, m.columnNames);
  for (let j = 0; j < m.cols; j++) {
    const src = j * m.rows;
    const dst = j * n;
    for (let i = 0; i < n; i++) out.data[dst + i] = m.data[src + (index[i] as number)] as number;
  }
  return out;
}

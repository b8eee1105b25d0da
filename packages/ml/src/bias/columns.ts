import { MlInputError } from '../errors.js';

/** One cell of a tabular dataset: a number, a string (CSV text, a category) or missing. */
export type Cell = string | number | null | undefined;

/** A column: a typed array of numbers (`NaN` = missing) or an array of cells. */
export type ColumnData = ArrayLike<number> | readonly Cell[];

/** A dataset by column name, as the bias and monitoring code reads it (every column the same length). */
export type Table = Readonly<Record<string, ColumnData>>;

/** Which rows form a group: a set of values (matched by their text form), or values strictly above a threshold. */
export type ValuesOrThreshold = { readonly values: readonly (string | number)[] } | { readonly threshold: number };

/** True when a cell counts as missing: `null`, `undefined`, `NaN` or an empty string. */
export function isMissing(v: Cell): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || v === '';
}

/** The column `name`, or an {@link MlInputError} naming the column and the metric that needs it. */
export function requireColumn(data: Table, name: string, metric: string): ColumnData {
  const col = data[name];
  if (col === undefined) {
    const known = Object.keys(data).join(', ');
    throw new MlInputError(`Column '${name}' needed by metric '${metric}' is not in the dataset (columns: ${known}).`, { column: name, metric });
  }
  return col;
}

/** Reads a cell as a number; a non-numeric text raises an {@link MlInputError} naming column, metric and row. */
export function numericCell(v: Cell, column: string, metric: string, row: number): number {
  if (typeof v === 'number') return v;
  if (isMissing(v)) return Number.NaN;
  const x = Number(v);
  if (!Number.isFinite(x) && !/^[+-]?(inf|infinity|nan)$/i.test(String(v).trim())) {
    throw new MlInputError(
      `Column '${column}' must be numeric for metric '${metric}', but row ${row + 1} holds '${String(v)}'.`,
      { column, metric, row: row + 1 },
    );
  }
  return x;
}

/** The column as float64 numbers (`NaN` for missing); non-numeric text is an error naming column and metric. */
export function numericColumn(col: ColumnData, column: string, metric: string): Float64Array {
  const n = col.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = numericCell(col[i] as Cell, column, metric, i);
  return out;
}

/**
 * Marks the rows that belong to the group `spec` picks: `1` in, `0` out, `255` missing. A threshold
 * needs a numeric column; values are matched by their text form, so `1`, `'1'` and `1.0` agree.
 */
export function groupMask(col: ColumnData, spec: ValuesOrThreshold, column: string, metric: string): Uint8Array {
  const n = col.length;
  const out = new Uint8Array(n);
  if ('threshold' in spec) {
    const t = spec.threshold;
    for (let i = 0; i < n; i++) {
      const x = numericCell(col[i] as Cell, column, metric, i);
      out[i] = Number.isNaN(x) ? 255 : x > t ? 1 : 0;
    }
    return out;
  }
  const keys = new Set(spec.values.map((v) => cellKey(v)));
  for (let i = 0; i < n; i++) {
    const v = col[i] as Cell;
    out[i] = isMissing(v) ? 255 : keys.has(cellKey(v)) ? 1 : 0;
  }
  return out;
}

/** The text form cells are compared by (numbers in shortest round-trip form). */
export function cellKey(v: Cell): string {
  return typeof v === 'number' ? String(v) : String(v ?? '').trim();
}

/** How a {@link ValuesOrThreshold} is written in Clarify's report (`value_or_threshold`). */
export function describeSpec(spec: ValuesOrThreshold): string {
  return 'threshold' in spec ? `(${spec.threshold}, ∞)` : spec.values.map(String).join(',');
}

/** The distinct non-missing values of a column, in order of first appearance. */
export function distinctValues(col: ColumnData): (string | number)[] {
  const seen = new Map<string, string | number>();
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as Cell;
    if (isMissing(v)) continue;
    const k = cellKey(v);
    if (!seen.has(k)) seen.set(k, v as string | number);
  }
  return [...seen.values()];
}

/** Integer codes `0 … k−1` for the distinct values of a column (`-1` for missing), plus `k`. */
export function encodeGroups(col: ColumnData): { codes: Int32Array; count: number } {
  const codes = new Int32Array(col.length);
  const index = new Map<string, number>();
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as Cell;
    if (isMissing(v)) {
      codes[i] = -1;
      continue;
    }
    const k = cellKey(v);
    let c = index.get(k);
    if (c === undefined) {
      c = index.size;
      index.set(k, c);
    }
    codes[i] = c;
  }
  return { codes, count: index.size };
}

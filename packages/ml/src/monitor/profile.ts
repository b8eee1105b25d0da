import type { Cell, ColumnData, Table } from '../bias/columns.js';
import { isMissing } from '../bias/columns.js';
import { sortedFinite } from './sort.js';

/** Model Monitor's inferred types. */
export type InferredType = 'Integral' | 'Fractional' | 'String' | 'Unknown';

/** One column, read once: its type, missing count, and either sorted numbers or category counts. */
export interface ColumnProfile {
  readonly name: string;
  readonly inferredType: InferredType;
  readonly numPresent: number;
  readonly numMissing: number;
  /** Present values sorted ascending (numeric columns). */
  readonly sorted?: Float64Array;
  /** Σx and Σ(x − mean)², accumulated in column order (numeric columns). */
  readonly sum?: number;
  readonly sumSquaredDeviations?: number;
  /** Value → count (String columns), in order of first appearance. */
  readonly categories?: Map<string, number>;
}

function isTypedNumeric(col: ColumnData): col is ArrayLike<number> {
  return ArrayBuffer.isView(col);
}

/** Reads a numeric text cell the way a CSV reader would; `undefined` when it is not a number. */
export function parseNumber(v: Cell): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  const x = Number(t);
  return Number.isNaN(x) && !/^nan$/i.test(t) ? undefined : x;
}

/**
 * Profiles one column. A column whose present values are all numbers (or numeric text) is numeric —
 * Integral when every value is a whole number, else Fractional; otherwise it is a String column.
 */
export function profileColumn(name: string, col: ColumnData): ColumnProfile {
  const n = col.length;
  let values: Float64Array | undefined;
  if (isTypedNumeric(col)) {
    values = col instanceof Float64Array ? col : Float64Array.from(col as ArrayLike<number>);
  } else {
    values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = col[i] as Cell;
      if (isMissing(v)) {
        values[i] = Number.NaN;
        continue;
      }
      const x = parseNumber(v);
      if (x === undefined) {
        values = undefined;
        break;
      }
      values[i] = x;
    }
  }
  if (!values) return categoricalProfile(name, col);
  let sum = 0;
  let present = 0;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (x !== x) continue;
    present++;
    sum += x;
    if (integral && !Number.isInteger(x)) integral = false;
  }
  const mean = present ? sum / present : Number.NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (x === x) ss += (x - mean) * (x - mean);
  }
  return {
    name,
    inferredType: present === 0 ? 'Unknown' : integral ? 'Integral' : 'Fractional',
    numPresent: present,
    numMissing: n - present,
    sorted: sortedFinite(values),
    sum,
    sumSquaredDeviations: ss,
  };
}

function categoricalProfile(name: string, col: ColumnData): ColumnProfile {
  const categories = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as Cell;
    if (isMissing(v)) {
      missing++;
      continue;
    }
    const k = typeof v === 'number' ? String(v) : String(v);
    categories.set(k, (categories.get(k) ?? 0) + 1);
  }
  return { name, inferredType: 'String', numPresent: col.length - missing, numMissing: missing, categories };
}

/** Profiles every column of a table. */
export function profileTable(table: Table): ColumnProfile[] {
  return Object.entries(table).map(([name, col]) => profileColumn(name, col));
}

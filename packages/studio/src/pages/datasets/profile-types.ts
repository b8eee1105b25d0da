import type { OutputOf, Operations } from '@loam/contracts';

export type DatasetProfile = OutputOf<Operations['GetDatasetProfile']>['Profile'];
export type ColumnProfile = DatasetProfile['Columns'][number];

/** A number as a short label: 3 significant digits for fractions, thousands separators for counts. */
export function short(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en');
  const a = Math.abs(v);
  return a !== 0 && (a < 0.001 || a >= 1e6) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

import type { ColumnSchema, JsonCell } from '@loam/core';

const integerTypes = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/**
 * DuckDB's JSON form carries 64-bit integers and decimals as strings (exactness). The port promises
 * numbers where they are exact: integers within 2^53 and decimals (the engine's DECIMAL(p,s) → double
 * is what every chart and grid wants); everything else stays as DuckDB printed it.
 */
export function toCell(value: unknown, type: string): JsonCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (integerTypes.has(type)) {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    if (type.startsWith('DECIMAL') || type === 'DOUBLE' || type === 'FLOAT') {
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    return value;
  }
  return JSON.stringify(value);
}

export function toRows(rows: readonly (readonly unknown[])[], columns: readonly ColumnSchema[]): JsonCell[][] {
  return rows.map((r) => r.map((v, i) => toCell(v, columns[i]?.type ?? '')));
}

export type ColumnKind = 'numeric' | 'categorical' | 'datetime' | 'boolean' | 'text';

const numeric = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;

/** How the profile treats a column of an engine type. VARCHAR is categorical until it has many values. */
export function kindOf(type: string): ColumnKind {
  if (numeric.test(type)) return 'numeric';
  if (type === 'BOOLEAN') return 'boolean';
  if (/^(DATE|TIMESTAMP.*|TIME)$/.test(type)) return 'datetime';
  if (type === 'VARCHAR') return 'categorical';
  return 'text';
}

export function isNumericType(type: string): boolean {
  return numeric.test(type);
}

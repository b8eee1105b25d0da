import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { ValidationError, decodeNextToken, encodeNextToken, clampMaxResults, type Filter, type ListQuery } from '@loam/core';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { KEY_COLUMN, describeType, fitsType, indexColumn, type CollectionLayout, type IndexType, type IndexValue } from './collection-layout.js';

/** Default and largest page, as the port documents. */
export const DEFAULT_MAX_RESULTS = 100;
export const MAX_RESULTS_LIMIT = 1000;

interface Column {
  readonly field: string;
  readonly ref: RawBuilder<unknown>;
  readonly type: IndexType;
  readonly isKey: boolean;
}

function notIndexed(layout: CollectionLayout, field: string, what: string): ValidationError {
  const valid = [layout.spec.key, ...layout.fields.keys()].join(', ');
  return new ValidationError(`${layout.kind}s cannot be ${what} '${field}': it is not an indexed field (indexed: ${valid}).`, [
    { path: `/${field}`, message: `not indexed; valid: ${valid}` },
  ]);
}

/** The column behind an indexed field (or the key); anything else is a ValidationException naming it. */
export function columnFor(layout: CollectionLayout, field: string, what = 'filtered on'): Column {
  if (field === layout.spec.key) return { field, ref: sql.ref(KEY_COLUMN), type: 'text', isKey: true };
  const type = layout.fields.get(field);
  if (type === undefined) throw notIndexed(layout, field, what);
  return { field, ref: sql.ref(indexColumn(field)), type, isKey: false };
}

function checkValue(layout: CollectionLayout, col: Column, v: unknown): IndexValue {
  if (v === null || !fitsType(col.type, v)) {
    throw new ValidationError(`Filter on ${layout.kind} field '${col.field}' needs ${describeType(col.type)}; got ${JSON.stringify(v) ?? typeof v}.`, [
      { path: `/${col.field}`, message: `expected ${describeType(col.type)}` },
    ]);
  }
  return v;
}

/**
 * The least string above every string that starts with `p`, in code-point order: `p` with its last
 * code unit raised by one. Undefined when that unit is a surrogate or U+FFFF (no safe successor), or
 * `p` is empty: the range then has no upper bound.
 */
export function prefixSuccessor(p: string): string | undefined {
  const last = p.charCodeAt(p.length - 1);
  if (p.length === 0 || (last >= 0xd800 && last <= 0xdfff) || last === 0xffff) return undefined;
  return p.slice(0, -1) + String.fromCharCode(last + 1);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const COMPARE = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** One filter as SQL. A NULL column (field absent) fails every comparison, `ne` included. */
export function filterSql<T>(d: SqlDialect, layout: CollectionLayout, f: Filter<T>): RawBuilder<unknown> {
  const col = columnFor(layout, f.field);
  if (f.op === 'in') {
    if (!Array.isArray(f.value)) throw new ValidationError(`Filter 'in' on '${f.field}' needs a list of values.`, [{ path: `/${f.field}`, message: 'expected a list' }]);
    const values = (f.value as unknown[]).map((v) => checkValue(layout, col, v));
    return values.length === 0 ? sql`1 = 0` : sql`${col.ref} in (${sql.join(values)})`;
  }
  const v = checkValue(layout, col, f.value);
  if (f.op === 'contains' || f.op === 'prefix') {
    if (col.type !== 'text') throw new ValidationError(`Filter '${f.op}' needs a text field; '${f.field}' is ${col.type}.`, [{ path: `/${f.field}`, message: 'expected a text field' }]);
    const s = v as string;
    if (f.op === 'contains') return sql`${d.caseFold(col.ref)} like ${`%${escapeLike(s.toLowerCase())}%`} escape '\\'`;
    // substr, not LIKE: SQLite's LIKE ignores ASCII case, and a prefix is case-sensitive. The range
    // around it (text orders by code point on both databases) lets the field's index find the
    // matches; without it every record was read (the lineage recorder asks this for each new artifact).
    const exact = sql`substr(${col.ref}, 1, length(cast(${s} as text))) = ${s}`;
    const upper = prefixSuccessor(s);
    return upper === undefined ? sql`${col.ref} >= ${s} and ${exact}` : sql`${col.ref} >= ${s} and ${col.ref} < ${upper} and ${exact}`;
  }
  const op = COMPARE[f.op];
  if (op === undefined) throw new ValidationError(`Filter operator '${String(f.op)}' is not one of ${[...Object.keys(COMPARE), 'contains', 'prefix', 'in'].join(', ')}.`);
  return sql`${col.ref} ${sql.raw(op)} ${v}`;
}

export function whereSql<T>(d: SqlDialect, layout: CollectionLayout, filters: readonly Filter<T>[] | undefined, extra: RawBuilder<unknown>[] = []): RawBuilder<SqlBool> {
  const parts = [...(filters ?? []).map((f) => filterSql(d, layout, f)), ...extra];
  return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(parts.map((p) => sql`(${p})`), sql` and `)}`;
}

/** A planned listing: its conditions, its order, its page size, and how to make the next token. */
export interface ListPlan {
  readonly where: RawBuilder<SqlBool>;
  readonly orderBy: RawBuilder<unknown>;
  readonly limit: number;
  nextToken(doc: Record<string, unknown>, key: string): string;
}

/**
 * Sorting by an indexed field orders absent values after every present one, then by key; Descending
 * is the exact reverse. The token carries the last sort value (JSON, so null survives) and key.
 */
export function planList<T>(d: SqlDialect, layout: CollectionLayout, q: ListQuery<T>): ListPlan {
  const limit = clampMaxResults(q.maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS_LIMIT);
  const col = columnFor(layout, q.sortBy ?? layout.spec.key, 'sorted by');
  const desc = q.sortOrder === 'Descending';
  if (q.sortOrder !== undefined && q.sortOrder !== 'Ascending' && !desc) {
    throw new ValidationError(`SortOrder '${String(q.sortOrder)}' is not Ascending or Descending.`, [{ path: '/SortOrder', message: 'expected Ascending or Descending' }]);
  }
  const pk = sql.ref(KEY_COLUMN);
  const dir = sql.raw(desc ? 'desc' : 'asc');
  const extra: RawBuilder<unknown>[] = [];
  // A filter on the sort field matches no record without it, so `is null` is false for every row
  // listed: said outright, an order index finds the filter's range (one series' time window) and
  // serves the order without it, instead of reading every record of its `within` values.
  const present = !col.isKey && (q.filters ?? []).some((f) => f.field === col.field);
  if (present) extra.push(d.isFalse(sql`(${col.ref} is null)`));
  const orderBy = col.isKey ? sql`${pk} ${dir}` : present ? sql`${col.ref} ${dir}, ${pk} ${dir}` : sql`(${col.ref} is null) ${dir}, ${col.ref} ${dir}, ${pk} ${dir}`;
  const cursor = decodeNextToken(q.nextToken);
  if (cursor !== undefined) {
    const after = parseAfter(cursor.after, col, q.nextToken ?? '');
    const k = cursor.name;
    const gt = sql.raw(desc ? '<' : '>');
    if (col.isKey) extra.push(sql`${pk} ${gt} ${k}`);
    else if (after === null) extra.push(desc ? sql`(${col.ref} is null and ${pk} < ${k}) or ${col.ref} is not null` : sql`${col.ref} is null and ${pk} > ${k}`);
    else {
      const next = sql`${col.ref} ${gt} ${after} or (${col.ref} = ${after} and ${pk} ${gt} ${k})`;
      extra.push(desc ? next : sql`${next} or ${col.ref} is null`);
    }
  }
  return {
    where: whereSql(d, layout, q.filters, extra),
    orderBy,
    limit,
    nextToken: (doc, key) => encodeNextToken({ after: JSON.stringify(col.isKey ? key : (doc[col.field] ?? null)), name: key }),
  };
}

function parseAfter(after: string | number, col: Column, token: string): IndexValue {
  let v: unknown;
  try {
    v = typeof after === 'string' ? JSON.parse(after) : undefined;
  } catch {
    v = undefined;
  }
  if (v === undefined || (v === null && col.isKey) || !fitsType(col.type, v)) {
    throw new ValidationError(`NextToken '${token.slice(0, 40)}' does not belong to a listing sorted by '${col.field}'.`, [{ path: '/NextToken', message: 'invalid token' }]);
  }
  return v;
}

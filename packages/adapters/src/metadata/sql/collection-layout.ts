import { InternalError, ValidationError, type CollectionSpec } from '@loam/core';
import type { OnlineIndex } from './dialects/sql-dialect.js';

export type IndexType = 'text' | 'integer' | 'real';
export type IndexValue = string | number | null;

/** Tables the store itself owns; a collection may not take these names. */
export const RESERVED_TABLES = new Set(['tags', 'lineage_edges', 'collections', 'kysely_migration', 'kysely_migration_lock', 'kysely_migration_compatible']);

export const KEY_COLUMN = 'pk';

/**
 * How one CollectionSpec maps onto SQL: the key in `pk`, the document in `doc`, the version in
 * `version`, and each indexed field in `ix_<field>` (prefixed so a field can never collide with them).
 */
export interface CollectionLayout {
  readonly spec: CollectionSpec<unknown>;
  readonly table: string;
  readonly kind: string;
  /** Indexed fields (unique ones included), the key excluded, with their column types. */
  readonly fields: ReadonlyMap<string, IndexType>;
  readonly unique: readonly string[];
  /** The spec's order indexes, checked: every field indexed; `within` empty when there is none. */
  readonly orders: readonly OrderIndex[];
}

/** An index in list order: `eq` on the `within` fields, then `sortBy` (absent last) and the key. */
export interface OrderIndex {
  readonly sortBy: string;
  readonly within: readonly string[];
  /** `collection:<name>:v1:order:<this>`: `[<within>:…]<sortBy>`. */
  readonly migration: string;
  /** `<table>__o__<within joined by _>__<sortBy>`. */
  readonly name: string;
}

export function indexColumn(field: string): string {
  return `ix_${field}`;
}

/** `collection:<table>:v1:index:<field>`'s index: the field's column, then the key. */
export function fieldIndex(table: string, field: string): OnlineIndex {
  return { name: `${table}__${field}`, table, columns: [indexColumn(field), KEY_COLUMN] };
}

/**
 * `collection:<table>:v1:order:<…>`'s index, in a listing's ORDER BY `(col is null), col, pk` (absent values last,
 * list-query.ts) after its `within` columns: a page is read in order and stops at its limit.
 */
export function orderIndex(table: string, o: OrderIndex): OnlineIndex {
  const col = indexColumn(o.sortBy);
  return { name: o.name, table, columns: [...o.within.map(indexColumn), { isNull: col }, col, KEY_COLUMN] };
}

/** Checks a spec and derives its layout; a bad spec is a programming error, so it throws InternalFailure. */
export function layoutOf(spec: CollectionSpec<unknown>): CollectionLayout {
  const bad = (why: string): never => {
    throw new InternalError(`Collection spec '${String(spec.name)}' is invalid: ${why}.`);
  };
  // Short enough that `<table>__u__<field>` index names stay within PostgreSQL's 63 bytes.
  if (!/^[a-z][a-z0-9_]{0,29}$/.test(spec.name)) bad('the name must be snake_case, at most 30 characters');
  if (RESERVED_TABLES.has(spec.name)) bad('the name is reserved by the store');
  const fieldOk = (f: string) => /^[A-Za-z][A-Za-z0-9_]{0,27}$/.test(f);
  if (!fieldOk(spec.key)) bad(`key '${spec.key}' must be letters, digits and underscores`);
  const fields = new Map<string, IndexType>();
  for (const [field, type] of Object.entries(spec.indexes as Record<string, IndexType | undefined>)) {
    if (field === spec.key || type === undefined) continue;
    if (!fieldOk(field)) bad(`indexed field '${field}' must be letters, digits and underscores`);
    if (type !== 'text' && type !== 'integer' && type !== 'real') bad(`indexed field '${field}' has unknown type '${String(type)}'`);
    fields.set(field, type);
  }
  const unique: string[] = [];
  for (const field of spec.unique ?? []) {
    if (field === spec.key) continue;
    if (!fieldOk(field)) bad(`unique field '${field}' must be letters, digits and underscores`);
    if (!fields.has(field)) fields.set(field, 'text');
    unique.push(field);
  }
  const orders: OrderIndex[] = [];
  for (const o of spec.orderIndexes ?? []) {
    const within: readonly string[] = o.within === undefined ? [] : typeof o.within === 'string' ? [o.within] : o.within;
    for (const f of [o.sortBy, ...within]) if (!fields.has(f)) bad(`order index field '${f}' is not an indexed field`);
    const name = `${spec.name}__o__${within.join('_')}__${o.sortBy}`;
    if (name.length > 63) bad(`order index on '${o.sortBy}' has a name longer than PostgreSQL's 63 bytes`);
    orders.push({ sortBy: o.sortBy, within, name, migration: [...within, o.sortBy].join(':') });
  }
  const kind = `${spec.name} record`;
  return { spec, table: spec.name, kind, fields, unique, orders };
}

/** Whether `v` can live in a column of this type; `null` (absent) always can. */
export function fitsType(type: IndexType, v: unknown): v is IndexValue {
  if (v === null) return true;
  if (type === 'text') return typeof v === 'string' && !v.includes('\u0000');
  if (type === 'integer') return typeof v === 'number' && Number.isSafeInteger(v);
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * The column values for a document, validated against the spec. An absent field is NULL; a
 * field of the wrong type is refused rather than silently coerced.
 */
export function columnValues(layout: CollectionLayout, doc: Record<string, unknown>): Record<string, IndexValue> {
  const out: Record<string, IndexValue> = {};
  for (const [field, type] of layout.fields) {
    const v = doc[field] ?? null;
    if (!fitsType(type, v)) {
      throw new ValidationError(`${layout.kind} field '${field}' must be ${describeType(type)}; got ${JSON.stringify(v) ?? typeof v}.`, [
        { path: `/${field}`, message: `expected ${describeType(type)}` },
      ]);
    }
    out[indexColumn(field)] = v;
  }
  return out;
}

/** The record's key, checked: a non-empty string without NUL. */
export function keyOf(layout: CollectionLayout, doc: Record<string, unknown>): string {
  const key = doc[layout.spec.key];
  if (typeof key !== 'string' || key === '' || key.includes('\u0000')) {
    throw new ValidationError(`${layout.kind} key field '${layout.spec.key}' must be a non-empty string.`, [
      { path: `/${layout.spec.key}`, message: 'expected a non-empty string' },
    ]);
  }
  return key;
}

export function describeType(type: IndexType): string {
  return type === 'text' ? 'a string' : type === 'integer' ? 'an integer' : 'a finite number';
}

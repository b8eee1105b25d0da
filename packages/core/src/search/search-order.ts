import { createHash } from 'node:crypto';
import { ValidationError } from '../kernel/errors.js';

/** A record's sort value: a number (numbers, timestamps), text, a boolean, or none (sorted last). */
export type SortValue = string | number | boolean | null;

/** Where the next page starts: after the record with this sort value and store key, in this query. */
export interface SearchCursor {
  readonly value: SortValue;
  readonly key: string;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The first value of a property that can be sorted on, else null. `numericText` (hyperparameters): a value
 * that is a number sorts as one, so `10` comes after `9`.
 */
export function sortValueOf(values: readonly unknown[], numericText = false): SortValue {
  const v = values.find((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') as SortValue | undefined;
  // Only a finite number: Infinity ('1e999') would leave a token as null and end the pages there.
  if (numericText && typeof v === 'string' && NUMERIC.test(v.trim()) && Number.isFinite(Number(v))) return Number(v);
  return v ?? null;
}

const rank = { boolean: 0, number: 1, string: 2 } as const;

/**
 * Ascending order of sort values (false before true, numbers by value, text by code unit; booleans, then
 * numbers, then text where a property holds several kinds), then keys (so equal values keep one stable order);
 * no value comes last either way.
 */
export function compareHits(a: SearchCursor, b: SearchCursor, order: 'Ascending' | 'Descending'): number {
  const sign = order === 'Ascending' ? 1 : -1;
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else if (typeof a.value !== typeof b.value) {
    return sign * (rank[typeof a.value as keyof typeof rank] - rank[typeof b.value as keyof typeof rank]);
  } else if (a.value !== b.value) {
    return sign * (a.value < b.value ? -1 : 1);
  }
  return sign * (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** What a token is bound to: the same resource, expression and order, so a token from another search is refused. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** NextToken: base64url JSON of the last result's sort value and key, and the query's fingerprint. */
export function encodeSearchToken(cursor: SearchCursor, fingerprint: string): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.key, fingerprint]), 'utf8').toString('base64url');
}

/** @throws ValidationException naming NextToken when it is not one this search issued. */
export function decodeSearchToken(token: string | undefined, fingerprint: string): SearchCursor | undefined {
  if (token === undefined || token === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (Array.isArray(v) && v.length === 3 && (v[0] === null || ['string', 'number', 'boolean'].includes(typeof v[0])) && typeof v[1] === 'string' && typeof v[2] === 'string') {
    if (v[2] === fingerprint) return { value: v[0] as SortValue, key: v[1] };
    throw new ValidationError('NextToken belongs to another search: pass it with the same Resource, SearchExpression, SortBy and SortOrder it came with.', [{ path: '/NextToken', message: 'token of another search' }]);
  }
  throw new ValidationError(`NextToken '${token.slice(0, 40)}' is not a token this service issued.`, [{ path: '/NextToken', message: 'invalid token' }]);
}

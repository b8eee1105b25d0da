import { createHash } from 'node:crypto';
import { echo } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';
import { compareKeys } from '../ports/artifact-keys.js';

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
 * Ascending order of sort values (false before true, numbers by value, text by code point; booleans, then
 * numbers, then text where a property holds several kinds), then keys (so equal values keep one stable order);
 * no value comes last either way. Text and keys compare as the stores order them (`compareKeys`: SQLite's BINARY,
 * PostgreSQL's "C", the fakes), not by JS's UTF-16 `<`, which puts what lies past U+FFFF before U+E000–U+FFFF: a
 * search read in the store's order from a token then skipped no record the store gives after it.
 */
export function compareHits(a: SearchCursor, b: SearchCursor, order: 'Ascending' | 'Descending'): number {
  const sign = order === 'Ascending' ? 1 : -1;
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else if (typeof a.value !== typeof b.value) {
    return sign * (rank[typeof a.value as keyof typeof rank] - rank[typeof b.value as keyof typeof rank]);
  } else if (a.value !== b.value) {
    return sign * (typeof a.value === 'string' ? compareKeys(a.value, b.value as string) : a.value < b.value ? -1 : 1);
  }
  return sign * compareKeys(a.key, b.key);
}

/** What a token is bound to: the same resource, expression and order, so a token from another search is refused. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** A page's position: after `cursor`, with `seen` results on the pages before it (what TotalHits counts from). */
export interface SearchPosition extends SearchCursor {
  readonly seen: number;
}

/** NextToken: base64url JSON of the last result's sort value and key, the query's fingerprint and the results so far. */
export function encodeSearchToken(cursor: SearchCursor, fingerprint: string, seen: number): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.key, fingerprint, seen]), 'utf8').toString('base64url');
}

const invalidToken = (token: string): never => {
  throw new ValidationError(`NextToken '${echo(token)}' is not a token this search issued: pass the NextToken of the previous page unchanged.`, [{ path: '/NextToken', message: 'invalid token' }]);
};

/**
 * The position a NextToken names. `fits` says whether a sort value is one this search's sort property can
 * have (a token whose value is of another type was not issued by it: forged, or edited).
 * @throws ValidationException naming NextToken when it is not one this search issued, and nothing else.
 */
export function decodeSearchToken(token: string | undefined, fingerprint: string, fits: (value: SortValue) => boolean): SearchPosition | undefined {
  if (token === undefined || token === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || (v.length !== 3 && v.length !== 4) || typeof v[2] !== 'string') return invalidToken(token);
  if (v[2] !== fingerprint) {
    throw new ValidationError('NextToken belongs to another search: pass it with the same Resource, SearchExpression, VisibilityConditions, SortBy and SortOrder it came with.', [{ path: '/NextToken', message: 'token of another search' }]);
  }
  const [value, key, , seen = 0] = v as [unknown, unknown, string, unknown];
  const isValue = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  if (!isValue || !fits(value as SortValue) || typeof key !== 'string' || key === '' || !Number.isSafeInteger(seen) || (seen as number) < 0) return invalidToken(token);
  return { value: value as SortValue, key, seen: seen as number };
}

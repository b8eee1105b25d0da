import { echo } from './echo.js';
import { ValidationError } from './errors.js';

/** Decoded position in a listing: the sort key of the last item returned and its name as tie-breaker. */
export interface Cursor {
  readonly after: string | number;
  readonly name: string;
}

/** `NextToken` is an opaque base64url JSON cursor; a client must pass it back untouched. */
export function encodeNextToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, cursor.name]), 'utf8').toString('base64url');
}

export function decodeNextToken(token: string | undefined): Cursor | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'string') {
      return { after: v[0], name: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ValidationError(`NextToken '${echo(token)}' is not a token this service issued.`, [{ path: '/NextToken', message: 'invalid token' }]);
}

/** SageMaker's MaxResults: 1 to 100, default 10 unless the operation says otherwise. */
export function clampMaxResults(max: number | undefined, dflt = 10, limit = 100): number {
  if (max === undefined) return dflt;
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw new ValidationError(`MaxResults must be an integer from 1 to ${limit}; got ${max}.`, [{ path: '/MaxResults', message: `must be 1 to ${limit}` }]);
  }
  return max;
}

/** One page of a listing. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

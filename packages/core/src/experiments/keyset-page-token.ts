import { echo } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';

/**
 * The one page token of the experiment listings (ListTrials, ListTrialComponents, ListExperiments, MLflow's
 * search_experiments and registry searches): base64 JSON of the listing's order and the last row's position in
 * it (a keyset). A row deleted, or leaving the listing, between two calls moves no other past the next page, as
 * an offset did. Each listing says what a position is (`read`) and how it refuses a token (`refuse`): SageMaker's
 * name NextToken, MLflow's page_token.
 */

/** Where a page starts: after a position (a token this version issues), or past an offset (an earlier version's, and MLflow's own). */
export interface KeysetPageStart<P> {
  readonly after?: P;
  readonly offset: number;
}

/** Why a token is refused: not one the listing issued (any other text or JSON, `{}` included), or one of another order. */
export type TokenRefusal = 'not issued' | 'other order';

export interface KeysetTokenReader<P> {
  /** The order of the page asked for, as the tokens of it hold it. */
  readonly order: string;
  /** Whether a text is an order this listing issues tokens for (a token of another such order is told so). */
  readonly isOrder: (order: string) => boolean;
  /** The position a token's `after` holds, or undefined when it holds none this listing issued for the order. */
  readonly read: (after: unknown) => P | undefined;
  readonly refuse: (why: TokenRefusal) => never;
}

export function encodeKeysetToken(order: string, after: unknown): string {
  return Buffer.from(JSON.stringify({ order, after }), 'utf8').toString('base64');
}

/**
 * Where a page starts. A token of an earlier Loam version, or of MLflow (`{"offset": n}`), is still served: that
 * one page continues by its offset, and the token it answers is a position.
 * @throws what `refuse` throws, when the token is not one the listing issued or was issued for another order.
 */
export function decodeKeysetToken<P>(token: string | undefined, r: KeysetTokenReader<P>): KeysetPageStart<P> {
  if (token === undefined || token === '') return { offset: 0 };
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return r.refuse('not issued');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return r.refuse('not issued');
  const t = v as { offset?: unknown; order?: unknown; after?: unknown };
  if (t.offset !== undefined) {
    if (typeof t.offset !== 'number' || !Number.isSafeInteger(t.offset) || t.offset < 0 || t.order !== undefined || t.after !== undefined) return r.refuse('not issued');
    return { offset: t.offset };
  }
  // Only a token that is one (of an order the listing issues tokens for) is told it was of another order.
  if (typeof t.order !== 'string' || !r.isOrder(t.order)) return r.refuse('not issued');
  if (t.order !== r.order) return r.refuse('other order');
  const after = r.read(t.after);
  if (after === undefined) return r.refuse('not issued');
  return { after, offset: 0 };
}

/**
 * How a SageMaker-shaped listing refuses a token: ValidationException naming NextToken, one message for every token
 * it did not issue (`{}` and any other JSON included). `bound` names the inputs a token is bound to.
 */
export function refuseNextToken(token: string, listing: string, bound: readonly string[] = ['SortBy', 'SortOrder']): (why: TokenRefusal) => never {
  return (why) => {
    const what = why === 'other order' ? `was issued for another ${bound.join(' or ')}` : `is not a token ${listing} issued`;
    throw new ValidationError(`NextToken '${echo(token)}' ${what}: pass the NextToken of the previous page unchanged${bound.length ? `, with the same ${bound.join(' and ')}` : ''}.`, [{ path: '/NextToken', message: 'invalid token' }]);
  };
}

import { ValidationError } from '../../kernel/errors.js';
import { isStorableText, type EntityPosition } from '../../ports/experiment-store.js';

/** The order a ListTrialComponents page is in: what a NextToken is bound to. */
export interface ComponentOrder {
  readonly sortBy: 'name' | 'creationTime';
  readonly ascending: boolean;
}

/** Where the next page starts: after a position (a token this version issues), or past an offset (an earlier version's). */
export type ComponentPageStart = { readonly after?: EntityPosition; readonly offset: number };

const orderText = (o: ComponentOrder) => `${o.sortBy}:${o.ascending ? 'asc' : 'desc'}`;

/**
 * ListTrialComponents' NextToken: base64 JSON of the last row's position (its creation time, for that order, and
 * its name) and the order. A keyset, so a component deleted, or taken out of the listed trial, between two calls
 * moves no other past the next page (an offset skipped one).
 */
export function encodeComponentPageToken(order: ComponentOrder, last: { readonly name: string; readonly creationTime: number }): string {
  const after: EntityPosition = order.sortBy === 'name' ? { name: last.name } : { time: last.creationTime, name: last.name };
  return Buffer.from(JSON.stringify({ order: orderText(order), after }), 'utf8').toString('base64');
}

const invalid = (token: string, why: string): never => {
  throw new ValidationError(`NextToken '${token.slice(0, 60)}' ${why}: pass the NextToken of the previous page unchanged, with the same SortBy and SortOrder.`, [{ path: '/NextToken', message: 'invalid token' }]);
};

/**
 * Where a page starts. A token of an earlier Loam version (`{"offset": n}`) is still accepted: that one page
 * continues by its offset, and the token it answers is a position.
 * @throws ValidationException naming NextToken when it is not a token ListTrialComponents issued, or was issued for another SortBy or SortOrder.
 */
export function decodeComponentPageToken(token: string | undefined, order: ComponentOrder): ComponentPageStart {
  if (token === undefined || token === '') return { offset: 0 };
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return invalid(token, 'is not a token ListTrialComponents issued');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid(token, 'is not a token ListTrialComponents issued');
  const t = v as { offset?: unknown; order?: unknown; after?: unknown };
  if (t.offset !== undefined) {
    if (typeof t.offset !== 'number' || !Number.isSafeInteger(t.offset) || t.offset < 0) return invalid(token, 'holds no valid offset');
    return { offset: t.offset };
  }
  if (t.order !== orderText(order)) return invalid(token, 'was issued for another SortBy or SortOrder');
  const a = t.after as { name?: unknown; time?: unknown } | null | undefined;
  const nameOk = typeof a?.name === 'string' && a.name !== '' && isStorableText(a.name);
  const timeOk = order.sortBy === 'name' ? a?.time === undefined : typeof a?.time === 'number' && Number.isSafeInteger(a.time);
  if (!a || !nameOk || !timeOk) return invalid(token, 'is not a token ListTrialComponents issued');
  return { after: { name: a.name as string, ...(order.sortBy === 'name' ? {} : { time: a.time as number }) }, offset: 0 };
}

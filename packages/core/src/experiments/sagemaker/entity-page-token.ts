import { isStorableText, type EntityPosition, type ExperimentEntityQuery } from '../../ports/experiment-store.js';
import { decodeKeysetToken, encodeKeysetToken, refuseNextToken, type KeysetPageStart } from '../keyset-page-token.js';

/** The order a ListTrials or ListTrialComponents page is in: what a NextToken is bound to. */
export interface EntityOrder {
  readonly sortBy: ExperimentEntityQuery['sortBy'];
  readonly ascending: boolean;
}

/** The listing a token is read for: named in the message refusing one it did not issue. */
export type EntityListing = 'ListTrials' | 'ListTrialComponents';

const ORDER = /^(name|creationTime|lastModifiedTime):(asc|desc)$/;
const orderText = (o: EntityOrder) => `${o.sortBy}:${o.ascending ? 'asc' : 'desc'}`;

/**
 * ListTrials' and ListTrialComponents' NextToken (a keyset token): the last row's position, its sort time when
 * sorting by a time and its name.
 */
export function encodeEntityPageToken(order: EntityOrder, last: EntityRow): string {
  return encodeKeysetToken(orderText(order), entityPosition(order, last));
}

type EntityRow = { readonly name: string; readonly creationTime: number; readonly lastModifiedTime: number };

/** A row's keyset position in the order: its name, after its sort time when sorting by a time. */
export function entityPosition(order: EntityOrder, row: EntityRow): EntityPosition {
  return order.sortBy === 'name' ? { name: row.name } : { time: row[order.sortBy], name: row.name };
}

/**
 * Where a page starts (decodeKeysetToken): an earlier version's offset token is served once.
 * @throws ValidationException naming NextToken when it is not a token the listing issued (any other text or JSON,
 *   `{}` included), or was issued for another SortBy or SortOrder.
 */
export function decodeEntityPageToken(token: string | undefined, order: EntityOrder, listing: EntityListing): KeysetPageStart<EntityPosition> {
  return decodeKeysetToken(token, {
    order: orderText(order), isOrder: (o) => ORDER.test(o), refuse: refuseNextToken(token ?? '', listing),
    read: (v) => {
      const a = v as { name?: unknown; time?: unknown } | null | undefined;
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return undefined;
      const nameOk = typeof a.name === 'string' && a.name !== '' && isStorableText(a.name);
      const timeOk = order.sortBy === 'name' ? a.time === undefined : typeof a.time === 'number' && Number.isSafeInteger(a.time);
      return nameOk && timeOk ? { name: a.name as string, ...(order.sortBy === 'name' ? {} : { time: a.time as number }) } : undefined;
    },
  });
}

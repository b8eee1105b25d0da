import { ValidationError } from '../kernel/errors.js';
import type { TagStore } from './metadata-store.js';

/** The most resources one {@link TagStore.tagged} read returns when asked for a page. */
export const MAX_TAGGED_LIMIT = 1000;

/** @throws ValidationException for a `TaggedRange.limit` that is not a whole number from 1 to 1000. */
export function checkTaggedLimit(limit: number | undefined): void {
  if (limit === undefined || (Number.isInteger(limit) && limit >= 1 && limit <= MAX_TAGGED_LIMIT)) return;
  throw new ValidationError(`A read of tagged resources takes a limit of 1-${MAX_TAGGED_LIMIT}; got ${String(limit)}.`, [{ path: '/limit', message: `expected 1-${MAX_TAGGED_LIMIT}` }]);
}

/**
 * The least text after every text starting with `prefix`, in code point order (a store's bytewise UTF-8 order):
 * `prefix` with its last code point raised by one (past the surrogates, which stored text never holds), so the
 * texts starting with it are the range [prefix, end). Undefined when no text is after them (a prefix of U+10FFFF alone).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { compareHits, decodeSearchToken, encodeSearchToken, sortValueOf, type SearchCursor } from './search-order.js';

const sorted = (hits: SearchCursor[], order: 'Ascending' | 'Descending') => [...hits].sort((a, b) => compareHits(a, b, order)).map((h) => h.key);

describe('search order', () => {
  it('hyperparameters that are numbers sort as numbers; other text as text', () => {
    expect(sortValueOf(['10'], true)).toBe(10);
    expect(sortValueOf(['10'], false)).toBe('10');
    expect(sortValueOf(['binary:logistic'], true)).toBe('binary:logistic');
    expect(sortValueOf([], true)).toBeNull();
    const hits = [{ key: 'a', value: 9 }, { key: 'b', value: 10 }, { key: 'c', value: 'x' }, { key: 'd', value: null }, { key: 'e', value: 9 }];
    expect(sorted(hits, 'Ascending')).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect(sorted(hits, 'Descending')).toEqual(['c', 'b', 'e', 'a', 'd']);
  });

  it('a hyperparameter beyond a number (1e999) sorts as text, so the token of a page ending on it carries it', () => {
    const value = sortValueOf(['1e999'], true);
    expect(value).toBe('1e999');
    expect(decodeSearchToken(encodeSearchToken({ value, key: 'k' }, 'fp', 10), 'fp', () => true)).toEqual({ value: '1e999', key: 'k', seen: 10 });
  });

  it('a token carries the last value and key and the results so far, and is refused for another query or when altered', () => {
    const any = () => true;
    const token = encodeSearchToken({ value: 0.91, key: 'training-job/a' }, 'fp1', 20);
    expect(decodeSearchToken(token, 'fp1', any)).toEqual({ value: 0.91, key: 'training-job/a', seen: 20 });
    expect(() => decodeSearchToken(token, 'fp2', any)).toThrow(/another search/);
    expect(() => decodeSearchToken(`${token}x`, 'fp1', any)).toThrow(/not a token this search issued/);
    expect(decodeSearchToken(undefined, 'fp1', any)).toBeUndefined();
  });

  it('a token whose value the search cannot have (of another type), or whose key or count is not one, is refused naming NextToken only', () => {
    const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const numbers = (v: unknown) => typeof v === 'number';
    for (const parts of [['abc', 'k', 'fp'], [true, 'k', 'fp'], [1, '', 'fp'], [1, 7, 'fp'], [1, 'k', 'fp', -1], [1, 'k', 'fp', 1.5], [{}, 'k', 'fp']]) {
      expect(() => decodeSearchToken(forged(parts), 'fp', numbers), JSON.stringify(parts)).toThrow(expect.objectContaining({ code: 'ValidationException', message: expect.stringMatching(/^NextToken '.*' is not a token this search issued/), fields: [{ path: '/NextToken', message: 'invalid token' }] }));
    }
    // A token from before TotalHits (three parts) still reads, from no results counted.
    expect(decodeSearchToken(forged([5, 'k', 'fp']), 'fp', numbers)).toEqual({ value: 5, key: 'k', seen: 0 });
  });
});

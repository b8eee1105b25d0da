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
    expect(decodeSearchToken(encodeSearchToken({ value, key: 'k' }, 'fp'), 'fp')).toEqual({ value: '1e999', key: 'k' });
  });

  it('a token carries the last value and key and is refused for another query or when altered', () => {
    const token = encodeSearchToken({ value: 0.91, key: 'training-job/a' }, 'fp1');
    expect(decodeSearchToken(token, 'fp1')).toEqual({ value: 0.91, key: 'training-job/a' });
    expect(() => decodeSearchToken(token, 'fp2')).toThrow(/another search/);
    expect(() => decodeSearchToken(`${token}x`, 'fp1')).toThrow(/not a token this service issued/);
    expect(decodeSearchToken(undefined, 'fp1')).toBeUndefined();
  });
});

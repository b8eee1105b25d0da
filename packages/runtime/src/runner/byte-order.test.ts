import { describe, expect, it } from 'vitest';
import { byteOrder, sortByBytes } from './byte-order.js';

// Checked against the bytes themselves (Buffer.compare of the UTF-8 encodings) over strings mixing
// every range whose UTF-8 and UTF-16 orders could disagree: ASCII, two- and three-byte characters below
// the surrogates, U+E000–U+FFFF, and characters above U+FFFF (surrogate pairs).
const pool = ['a', 'b', '/', '-', '\u00e9', '\u07ff', '\ud7ff', '\ue000', '\uff21', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'];
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** A fixed sequence of strings of 0 to 4 characters from the pool (a linear congruential generator). */
function strings(count: number, seed: number): string[] {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: next(5) }, () => pool[next(pool.length)] as string).join(''));
}

describe('byteOrder', () => {
  it('orders every pair as their UTF-8 bytes do', () => {
    const xs = strings(400, 7);
    const wrong = xs.flatMap((a) => xs.filter((b) => Math.sign(byteOrder(a, b)) !== Math.sign(byBytes(a, b))).map((b) => [a, b]));
    expect(wrong).toEqual([]);
  });
});

describe('sortByBytes', () => {
  it('sorts keys with characters above U+FFFF by their bytes', () => {
    const xs = strings(2000, 11);
    expect(xs.some((x) => /[\ud800-\udfff]/.test(x))).toBe(true);
    expect(sortByBytes([...xs].map((key) => ({ key })), (o) => o.key).map((o) => o.key)).toEqual([...xs].sort(byBytes));
  });

  it('sorts keys without them by their bytes too (the engine\'s comparison)', () => {
    const xs = strings(2000, 13).map((x) => x.replace(/[\ud800-\udfff]/g, ''));
    expect(sortByBytes([...xs], (x) => x)).toEqual([...xs].sort(byBytes));
  });
});

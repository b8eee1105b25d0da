import { parseSearchWith, stringifySearchWith } from '@tanstack/react-router';

/**
 * A JSON number where JSON allows one (after `[`, `{`, `:`, `,` or at the start); strings are skipped whole, and one
 * never closed runs to the end of the text (JSON.parse then refuses it): were it tried again from each quote inside it,
 * a long link (`"\"\"\"…`) took time growing with the square of its length, 12 s for 80 kB.
 */
const token = /"(?:[^"\\]|\\.)*(?:"|\\?$)|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/gs;

/** A JSON number's value as written, without insignificant zeros: `-1.50e2` and `-150` are both `-15e1`. */
function decimalValue(t: string): string {
  const [, sign = '', int = '', frac = '', exp = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t) ?? [];
  const digits = `${int}${frac}`.replace(/^0+/, '');
  // Trailing zeros counted off by hand: /0+$/ would try again from each zero of a long run (`1.000…0001`).
  let end = digits.length;
  while (end > 0 && digits[end - 1] === '0') end--;
  const significant = digits.slice(0, end);
  return significant === '' ? '0' : `${sign}${significant}e${BigInt(exp) - BigInt(frac.length) + BigInt(digits.length - significant.length)}`;
}

/** True when reading `t` as a JavaScript number would give another value than the one written. */
function changedAsNumber(t: string): boolean {
  const n = Number(t);
  if (/^-?\d+$/.test(t)) return !Number.isSafeInteger(n);
  return !Number.isFinite(n) || decimalValue(String(n)) !== decimalValue(t);
}

/**
 * `JSON.parse`, except that a number JavaScript cannot hold as written is read as its text: an integer past the safe
 * range (beyond ±(2^53 − 1), where a number keeps only about 16 digits), `{"v":12345678901234567890}` giving
 * `{ v: '12345678901234567890' }`, not 12345678901234567000; and a fraction or exponent whose digits a number would
 * round off (`0.12345678901234567890123`, `12345678901234567890.5`, `1.2345678901234567890e19`) or overflow (`1e400`).
 * Every safe integer, and every other number (`0.5`, `2.5e3`, `1.0`), is a number as before. Throws as `JSON.parse`
 * does on text that is not JSON.
 */
export function parseJsonExact(text: string): unknown {
  const exact = text.replace(token, (t) => (t.startsWith('"') || !changedAsNumber(t) ? t : `"${t}"`));
  return JSON.parse(exact) as unknown;
}

/**
 * Studio's reading of a URL's query string, for the router and for pages that read `location.searchStr`: each value
 * as JSON where it is JSON (the router's default), with big integers kept exact (`parseJsonExact`). A link someone
 * wrote by hand, `filters=[{"n":"HyperParameters.seed","o":"Equals","v":12345678901234567890}]`, searches for that
 * number, not for a neighbour of it.
 */
export const parseUrlSearch = parseSearchWith(parseJsonExact);

/** The router's writing of a URL's query string, the inverse of `parseUrlSearch`. */
export const stringifyUrlSearch = stringifySearchWith(JSON.stringify, parseJsonExact);

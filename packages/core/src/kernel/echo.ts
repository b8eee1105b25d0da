/** Most UTF-16 code units of a caller's value an error message echoes. */
export const ECHO_MAX = 120;

/**
 * A value a caller sent, as an error message quotes it (`Value '<echo>' at 'X' failed to satisfy constraint: …`,
 * AWS's words): a string as it is, anything else as JSON (`null` for a missing value). AWS echoes the whole
 * value; Loam cuts one longer than `max` code units to its first `max` and `…`, so a megabyte value does not make
 * a megabyte message (and log line). The cut never splits a surrogate pair, so the message stays valid UTF-16.
 * Every message that echoes a caller's value goes through this, so all cut the same way.
 */
export function echo(value: unknown, max: number = ECHO_MAX): string {
  const s = typeof value === 'string' ? value : asJson(value);
  if (s.length <= max) return s;
  const high = s.charCodeAt(max - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? max - 1 : max; // a high surrogate at the end: its pair is past the cut
  return `${s.slice(0, cut)}…`;
}

/**
 * {@link echo}, then escaped for a message about a hostile name (an object key, an MLflow artifact path): JSON's
 * escapes (controls, quotes, backslashes, lone surrogates) and `\uXXXX` (per UTF-16 unit) for what JSON leaves as it is but a
 * reader would not see — format characters (bidi overrides and isolates, zero-width) and line/paragraph
 * separators — so a message refusing a key for a U+202E shows `\u202e`, not text reordered by it. Cut first,
 * so no escape is cut in half (the escaped text may be longer than `max`).
 */
export function echoEscaped(value: string, max: number = ECHO_MAX): string {
  return JSON.stringify(echo(value, max))
    .slice(1, -1)
    .replace(/[\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

function asJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return Array.isArray(value) ? '[…]' : '{…}'; // too deep, cyclic or a BigInt: transports refuse such bodies first
  }
}

/**
 * A number as a message states a bound: an integer in all its digits, exactly the value checked (a Long's 2^63 as
 * 9223372036854775808, not JavaScript's 9223372036854776000 or 9.223372036854776e18); other numbers as JavaScript
 * writes them.
 */
export function exactNumber(n: number): string {
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? BigInt(n).toString() : String(n);
}

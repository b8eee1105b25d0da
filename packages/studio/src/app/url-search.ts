import { parseSearchWith, stringifySearchWith } from '@tanstack/react-router';

/** A JSON number where JSON allows one (after `[`, `{`, `:`, `,` or at the start); strings are skipped whole. */
const token = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/gs;

/**
 * `JSON.parse`, except that an integer past JavaScript's safe range (beyond ±(2^53 − 1), where a number keeps only
 * about 16 digits) is read as the text of its digits: `{"v":12345678901234567890}` gives `{ v: '12345678901234567890' }`,
 * not 12345678901234567000. Numbers with a fraction or an exponent, and every safe integer, are numbers as before.
 * Throws as `JSON.parse` does on text that is not JSON.
 */
export function parseJsonExact(text: string): unknown {
  const exact = text.replace(token, (t) => (t.startsWith('"') || !/^-?\d+$/.test(t) || Number.isSafeInteger(Number(t)) ? t : `"${t}"`));
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

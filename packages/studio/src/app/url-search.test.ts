import { describe, expect, it } from 'vitest';
import { parseJsonExact, parseUrlSearch, stringifyUrlSearch } from './url-search.js';

describe('Studio URL query strings', () => {
  it('reads an integer past 2^53 as its exact digits, and every other JSON value as JSON.parse does', () => {
    expect(parseJsonExact('{"v":12345678901234567890,"w":-98765432109876543210}')).toEqual({ v: '12345678901234567890', w: '-98765432109876543210' });
    expect(parseJsonExact('12345678901234567890')).toBe('12345678901234567890');
    // The largest safe integers, fractions and exponents stay numbers; digits inside strings stay as written.
    const same = ['9007199254740991', '-9007199254740991', '[1,0,-0.5,2.5e3,1E+2]', '"12345678901234567890 \\"99999999999999999999\\""', '{"a":[true,false,null,{"b":"x"}]}'];
    for (const text of same) expect(parseJsonExact(text), text).toEqual(JSON.parse(text));
    expect(parseJsonExact('9007199254740993')).toBe('9007199254740993');
    // A fraction or exponent whose digits a number would round off, or that it cannot hold at all, is its text too.
    const rounded = ['0.12345678901234567890123', '12345678901234567890.5', '-12345678901234567890.0', '1.2345678901234567890e19', '1e400', '-1e-400', '0.30000000000000000001', '9007199254740993e0'];
    expect(parseJsonExact(`[${rounded.join(',')}]`)).toEqual(rounded);
    // Those a number holds as written stay numbers, however written.
    for (const text of ['0.1', '2.50', '-1.0', '1e21', '1.5E-7', '-0', '0.0e5', '123.456e-2', '5e-324']) expect(parseJsonExact(text), text).toBe(JSON.parse(text));
    for (const text of ['[1,', '{"n":"x"', '0123', 'Model', '12345678901234567890abc']) expect(() => parseJsonExact(text), text).toThrow(SyntaxError);
  });

  it('reads a long link in time growing with its length, not its square', () => {
    // Each was over 10 s at these lengths (an unclosed string tried again from each quote in it; a long run of zeros
    // searched for trailing ones from each zero); a tab reading such a link froze.
    const started = performance.now();
    expect(() => parseJsonExact(`["${'\\"'.repeat(100_000)}`)).toThrow(SyntaxError);
    expect(parseJsonExact(`[1.${'0'.repeat(100_000)}1]`)).toEqual([`1.${'0'.repeat(100_000)}1`]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('keeps a big number of a hand-written link exact through the router’s reading and writing', () => {
    const link = `?resource=Model&filters=${encodeURIComponent('[{"n":"Tags.seed","o":"Equals","v":12345678901234567890}]')}&sortBy=98765432109876543210`;
    const search = parseUrlSearch(link);
    expect(search).toEqual({ resource: 'Model', filters: [{ n: 'Tags.seed', o: 'Equals', v: '12345678901234567890' }], sortBy: '98765432109876543210' });
    // Written back as a string, so it reads the same again.
    expect(parseUrlSearch(stringifyUrlSearch(search))).toEqual(search);
  });
});

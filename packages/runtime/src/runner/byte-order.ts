/**
 * Compares two strings by their UTF-8 bytes, the order S3 lists keys in. JavaScript's default sort
 * compares UTF-16 code units, which puts a character above U+FFFF (an emoji) before one in
 * U+E000–U+FFFF (a full-width letter) where their bytes say otherwise. Compared unit by unit, without
 * encoding: encoding both strings on every comparison made sorting a million keys some 15 times slower.
 */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

// Surrogates stand for code points above U+FFFF, which UTF-8 sorts after U+E000–U+FFFF.
function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2800;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

const surrogate = /[\uD800-\uDFFF]/;

/**
 * Sorts `items` in place by `keyOf` in {@link byteOrder}. Without a character above U+FFFF in any key,
 * UTF-16 order is that order, and the engine's own string comparison (several times faster) is used.
 */
export function sortByBytes<T>(items: T[], keyOf: (item: T) => string): T[] {
  if (items.some((item) => surrogate.test(keyOf(item)))) return items.sort((x, y) => byteOrder(keyOf(x), keyOf(y)));
  return items.sort((x, y) => {
    const a = keyOf(x);
    const b = keyOf(y);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

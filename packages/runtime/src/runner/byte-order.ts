/**
 * Compares two strings by their UTF-8 bytes, the order S3 lists keys in. JavaScript's default sort
 * compares UTF-16 code units, which puts a character above U+FFFF (an emoji) before one in
 * U+E000–U+FFFF (a full-width letter) where their bytes say otherwise.
 */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

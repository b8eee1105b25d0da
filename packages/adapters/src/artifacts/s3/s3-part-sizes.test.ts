import { describe, expect, it } from 'vitest';
import { backendParts, decodePartSizes, encodePartSizes, fitsUserMetadata } from './s3-part-sizes.js';

const MiB = 1024 * 1024;

describe('part sizes on an S3 backend', () => {
  it("takes as the backend's parts only what S3 takes as a multipart upload's", () => {
    expect(backendParts([5 * MiB, 5 * MiB, 1])).toEqual([5 * MiB, 5 * MiB, 1]);
    expect(backendParts([3])).toEqual([3]);
    expect(backendParts([5 * MiB, 0])).toEqual([5 * MiB, 0]);
    // A part under 5 MiB before the last, one over 5 GiB, more than 10,000: S3 refuses each (EntityTooSmall, …).
    expect(backendParts([5, 6, 1])).toBeUndefined();
    expect(backendParts([5 * 1024 * MiB + 1])).toBeUndefined();
    expect(backendParts(Array.from({ length: 10_001 }, () => 5 * MiB))).toBeUndefined();
    expect(backendParts(undefined)).toBeUndefined();
  });

  it('records runs of equal parts in a few bytes and reads them back', () => {
    const sizes = [...Array.from({ length: 10_000 - 1 }, () => 8 * MiB), 17];
    expect(encodePartSizes(sizes)).toBe(`${8 * MiB}*9999,17`);
    expect(encodePartSizes([5 * MiB, 6 * MiB, 6 * MiB, 1])).toBe(`${5 * MiB},${6 * MiB}*2,1`);
    const size = sizes.reduce((a, b) => a + b, 0);
    expect(decodePartSizes(encodePartSizes(sizes), size, '"0cc175b9c0f1b6a831c399e269772661-10000"')).toEqual(sizes);
  });

  it('reads a record only while it describes the object: its size and the part count of its ETag', () => {
    const record = `${5 * MiB}*2,3`;
    const size = 10 * MiB + 3;
    expect(decodePartSizes(record, size, '"abc-3"')).toEqual([5 * MiB, 5 * MiB, 3]);
    // Copied with its metadata onto an object of another ETag or size (a server-side copy is one part).
    expect(decodePartSizes(record, size, '"0cc175b9c0f1b6a831c399e269772661"')).toBeUndefined();
    expect(decodePartSizes(record, size, '"abc-2"')).toBeUndefined();
    expect(decodePartSizes(record, size + 1, '"abc-3"')).toBeUndefined();
    // Not ours: a user's value under the name, or garbage.
    for (const bad of ['', 'x', '5,,3', '5*', '-1,3', `1*99999999`]) expect(decodePartSizes(bad, 8, '"abc-2"')).toBeUndefined();
  });

  it("counts S3's 2 KB of user metadata as S3 does: the UTF-8 bytes of every name and value", () => {
    const own = { sha256: 'a'.repeat(64), 'loam-parts': '5242880*2,3' };
    expect(fitsUserMetadata({ m: 'v'.repeat(2048 - 70 - 21 - 1) }, own)).toBe(true);
    expect(fitsUserMetadata({ m: 'v'.repeat(2048 - 70 - 21) }, own)).toBe(false);
    expect(fitsUserMetadata({ m: 'é'.repeat(1000) }, own)).toBe(false);
  });
});

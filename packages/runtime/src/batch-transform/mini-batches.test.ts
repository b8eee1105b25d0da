import { describe, expect, it } from 'vitest';
import { lineSliceBatches, miniBatches } from './mini-batches.js';
import { splitRecords } from './records.js';

const view = (bs: Iterable<{ body: Buffer; count: number; firstPosition: number; lastPosition: number }>) =>
  [...bs].map((b) => [b.body.toString(), b.count, b.firstPosition, b.lastPosition]);

describe('mini-batches over lines', () => {
  it('slices whole lines under the limit, skips blank lines and ends the last line', () => {
    const file = Buffer.from('aaaa\nbbbb\n\ncc\ndddddd\neee');
    // Limit 10 bytes: "aaaa\nbbbb\n" (10) fits; "cc\n" then "dddddd\n" would be 10 → fits; "eee\n" next.
    expect(view(lineSliceBatches(file, 10, 'f'))).toEqual([
      ['aaaa\nbbbb\n', 2, 1, 2], ['cc\ndddddd\n', 2, 4, 5], ['eee\n', 1, 6, 6],
    ]);
    // The general path cuts the same batches (it copies; the fast path slices).
    expect(view(miniBatches(splitRecords(file, 'Line', 'f'), { strategy: 'MultiRecord', maxPayloadBytes: 10, file: 'f', unit: 'line', keepInputs: false }))).toEqual([
      ['aaaa\nbbbb\n', 2, 1, 2], ['cc\ndddddd\n', 2, 4, 5], ['eee\n', 1, 6, 6],
    ]);
  });

  it('names the line that is over the limit', () => {
    expect(() => [...lineSliceBatches(Buffer.from('ok\n\n123456789012\n'), 10, 'in/x.csv')]).toThrow('in/x.csv line 3: the record is 13 bytes, over MaxPayloadInMB 0.0000095367431640625 (10 bytes).');
  });

  it('with no limit (MaxPayloadInMB 0) a file is one batch', () => {
    expect(view(lineSliceBatches(Buffer.from('a\nb\nc\n'), 0, 'f'))).toEqual([['a\nb\nc\n', 3, 1, 3]]);
  });
});

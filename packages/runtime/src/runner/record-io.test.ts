import { describe, expect, it } from 'vitest';
import { recordIoFrames, RecordIoSourceChanged, RecordIoTooLarge, type ByteSource } from './record-io.js';

// recordIoFrames against an independent reader of dmlc-core's format (RecordIOReader::NextRecord: parts until
// cflag 0 or 3, the magic word put back between parts, each part padded to 4 bytes), over data holding the magic
// word at aligned and unaligned offsets, cut into chunks anywhere.

const MAGIC = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);

function readRecords(buf: Buffer): { records: Buffer[]; flags: number[][] } {
  const records: Buffer[] = [];
  const flags: number[][] = [];
  let off = 0;
  while (off < buf.length) {
    const parts: Buffer[] = [];
    const f: number[] = [];
    for (;;) {
      expect(buf.readUInt32LE(off)).toBe(0xced7230a);
      const lrec = buf.readUInt32LE(off + 4);
      const cflag = lrec >>> 29;
      const len = lrec & ((1 << 29) - 1);
      parts.push(buf.subarray(off + 8, off + 8 + len));
      f.push(cflag);
      off += 8 + Math.ceil(len / 4) * 4;
      if (cflag === 0 || cflag === 3) break;
    }
    records.push(Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [MAGIC, p]))));
    flags.push(f);
  }
  return { records, flags };
}

/** A source cutting `data` (from a range's start, when given) into chunks of the given sizes (cycled), fresh on every open. */
function chunked(data: Buffer, sizes: number[]): ByteSource {
  return async function* (range?: { start: number }) {
    let i = 0;
    for (let off = range?.start ?? 0; off < data.length; i++) {
      const n = Math.max(1, sizes[i % sizes.length] as number);
      yield data.subarray(off, off + n);
      off += n;
    }
  };
}

async function frame(open: ByteSource, maxBytes?: number, windowBytes?: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of recordIoFrames(open, maxBytes, windowBytes)) out.push(b);
  return Buffer.concat(out);
}

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

describe('recordIoFrames', () => {
  it('writes the bytes dmlc-core writes: one part, a record cut at an aligned magic word, padding', async () => {
    expect(await frame(chunked(Buffer.from('abcde'), [2]))).toEqual(Buffer.from([
      0x0a, 0x23, 0xd7, 0xce, 5, 0, 0, 0, ...Buffer.from('abcde'), 0, 0, 0,
    ]));
    const cut = Buffer.concat([Buffer.from('wxyz'), MAGIC, Buffer.from('ab')]);
    expect(await frame(chunked(cut, [3]))).toEqual(Buffer.from([
      0x0a, 0x23, 0xd7, 0xce, 4, 0, 0, 0x20, ...Buffer.from('wxyz'), // cflag 1 (first part), 4 bytes
      0x0a, 0x23, 0xd7, 0xce, 2, 0, 0, 0x60, ...Buffer.from('ab'), 0, 0, // cflag 3 (last part), 2 bytes, padding
    ]));
    expect(await frame(chunked(Buffer.alloc(0), [1]))).toEqual(Buffer.from([0x0a, 0x23, 0xd7, 0xce, 0, 0, 0, 0]));
  });

  it('gives a reader back the data whatever the chunks, magic words cut the record only at aligned offsets', async () => {
    for (let n = 0; n < 60; n++) {
      const pieces: Buffer[] = [];
      const count = Math.floor(rand() * 12);
      for (let k = 0; k < count; k++) pieces.push(rand() < 0.4 ? MAGIC : Buffer.from(Array.from({ length: Math.floor(rand() * 9) }, () => Math.floor(rand() * 256))));
      const data = Buffer.concat(pieces);
      const sizes = Array.from({ length: 5 }, () => 1 + Math.floor(rand() * 7));
      // Parts longer than the window are read again by their range: any window gives the same bytes.
      const window = [undefined, 0, 3, 8][n % 4];
      const { records, flags } = readRecords(await frame(chunked(data, sizes), undefined, window));
      expect(records).toEqual([data]);
      const aligned = Array.from({ length: Math.floor(data.length / 4) }, (_, i) => i * 4).filter((i) => data.subarray(i, i + 4).equals(MAGIC));
      expect(flags[0]).toEqual(aligned.length === 0 ? [0] : [1, ...aligned.slice(1).map(() => 2), 3]);
    }
  });

  it('streams: the data read is taken a chunk at a time, the first bytes go out long before it ends', async () => {
    const chunk = 64 * 1024;
    const chunks = 512; // 32 MiB, never held
    const piece = Buffer.alloc(chunk, 0x61);
    let opens = 0;
    let pulled = 0;
    const open: ByteSource = () => {
      const mine = ++opens;
      return (async function* () {
        for (let i = 0; i < chunks; i++) {
          if (mine === 2) pulled += chunk;
          yield piece;
        }
      })();
    };
    let emitted = 0;
    let firstAt: number | undefined;
    let held = 0;
    for await (const b of recordIoFrames(open)) {
      if (emitted >= 8 && firstAt === undefined) firstAt = pulled;
      emitted += b.length;
      held = Math.max(held, pulled - (emitted - 8));
    }
    expect(emitted).toBe(8 + chunk * chunks);
    expect(firstAt).toBeLessThanOrEqual(chunk);
    expect(held).toBeLessThanOrEqual(chunk);
  });

  it('reads an object whose parts fit the window once, whatever magic words cut it', async () => {
    const data = Buffer.concat([Buffer.from('abcd'), MAGIC, Buffer.from('xyz'), Buffer.alloc(1, 0), MAGIC, Buffer.from('q')]);
    const opens: unknown[] = [];
    const open: ByteSource = (range) => {
      opens.push(range);
      return chunked(data, [3])(range);
    };
    const { records, flags } = readRecords(await frame(open));
    expect(records).toEqual([data]);
    expect(flags[0]).toEqual([1, 2, 3]);
    expect(opens).toEqual([undefined]);
  });

  it('reads a part longer than the window again by its range, once the first read has found its end', async () => {
    // Parts: [0, 100) 'a' (over the window), [104, 112) 'b' (held), [116, 316) 'c' (over the window, the last).
    const data = Buffer.concat([Buffer.alloc(100, 0x61), MAGIC, Buffer.alloc(8, 0x62), MAGIC, Buffer.alloc(200, 0x63)]);
    let pulled = 0;
    const opens: { range: unknown; pulledThen: number }[] = [];
    const open: ByteSource = (range) => {
      opens.push({ range, pulledThen: pulled });
      if (range) return chunked(data, [7])(range);
      return (async function* () {
        for (let off = 0; off < data.length; off += 10) {
          pulled = Math.min(off + 10, data.length);
          yield data.subarray(off, off + 10);
        }
      })();
    };
    const { records, flags } = readRecords(await frame(open, undefined, 16));
    expect(records).toEqual([data]);
    expect(flags[0]).toEqual([1, 2, 3]);
    // The first part's range once the first read passed its magic word; the last part's once the first read had ended.
    expect(opens).toEqual([
      { range: undefined, pulledThen: 0 },
      { range: { start: 0, end: 100 }, pulledThen: 110 },
      { range: { start: 116, end: 316 }, pulledThen: 316 },
    ]);
  });

  it('refuses data longer than the limit, and a second read that differs from the first', async () => {
    await expect(frame(chunked(Buffer.alloc(4096, 1), [1000]), 1000)).rejects.toBeInstanceOf(RecordIoTooLarge);
    await expect(frame(chunked(Buffer.alloc(1000, 1), [100]), 1000)).resolves.toHaveLength(1008);
    const reads = (a: Buffer, b: Buffer): ByteSource => {
      let n = 0;
      return () => chunked(n++ === 0 ? a : b, [3])();
    };
    // A window of 0 reads every part again: shorter on its second read, or holding a magic word the first read did not
    // see there (the record would be cut where its header does not say).
    await expect(frame(reads(Buffer.from('abcdefgh'), Buffer.from('abcdef')), undefined, 0)).rejects.toBeInstanceOf(RecordIoSourceChanged);
    await expect(frame(reads(Buffer.from('abcdefgh'), Buffer.concat([Buffer.from('abcd'), MAGIC])), undefined, 0)).rejects.toBeInstanceOf(RecordIoSourceChanged);
  });
});

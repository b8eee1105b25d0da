import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineSliceBatches, lineSliceBatchesFromFile, miniBatches } from './mini-batches.js';
import { splitRecords } from './records.js';

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const view = (bs: Iterable<{ body: Buffer; count: number; firstPosition: number; lastPosition: number }>) =>
  [...bs].map((b) => [b.body.toString(), b.count, b.firstPosition, b.lastPosition]);

describe('mini-batches over lines', () => {
  it('slices whole lines under the limit, skips blank lines and ends the last line', async () => {
    const file = Buffer.from('aaaa\nbbbb\n\ncc\ndddddd\neee');
    // Limit 10 bytes: "aaaa\nbbbb\n" (10) fits; "cc\n" then "dddddd\n" would be 10 → fits; "eee\n" next.
    expect(view(lineSliceBatches(file, 10, 'f'))).toEqual([
      ['aaaa\nbbbb\n', 2, 1, 2], ['cc\ndddddd\n', 2, 4, 5], ['eee\n', 1, 6, 6],
    ]);
    // The general path cuts the same batches (it copies; the fast path slices).
    expect(view(await collect(miniBatches(splitRecords(file, 'Line', 'f'), { strategy: 'MultiRecord', maxPayloadBytes: 10, file: 'f', unit: 'line', keepInputs: false })))).toEqual([
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

describe('mini-batches read from the file in blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-mb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fromFile = async (text: string, limit: number, block: number) => {
    const path = join(dir, 'in.csv');
    writeFileSync(path, text);
    const out: ReturnType<typeof view> = [];
    for await (const b of lineSliceBatchesFromFile(path, limit, 'in.csv', block)) out.push(...view([b]));
    return out;
  };

  it('cuts exactly the batches of the whole file, whatever the block size', async () => {
    let seed = 3;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let round = 0; round < 20; round++) {
      const lines = Array.from({ length: 200 }, () => (rand() < 0.1 ? (rand() < 0.5 ? '' : '\r') : 'x'.repeat(1 + Math.floor(rand() * 12)) + (rand() < 0.2 ? '\r' : '')));
      const text = lines.join('\n') + (rand() < 0.5 ? '\n' : '');
      const whole = view(lineSliceBatches(Buffer.from(text), 30, 'in.csv'));
      for (const block of [16, 31, 64, 97, 4096]) expect(await fromFile(text, 30, block)).toEqual(whole);
    }
  });

  it('names the line over the limit, even one longer than a block', async () => {
    const long = `ok\n\n${'9'.repeat(100)}\nafter\n`;
    await expect(fromFile(long, 10, 16)).rejects.toThrow('in.csv line 3: the record is 101 bytes, over MaxPayloadInMB 0.0000095367431640625 (10 bytes).');
    await expect(fromFile(`ok\n${'9'.repeat(100)}`, 10, 16)).rejects.toThrow('in.csv line 2: the record is 101 bytes');
    await expect(fromFile(long, 10, 4096)).rejects.toThrow('in.csv line 3: the record is 101 bytes');
  });

  it('with no limit reads the file as one batch', async () => {
    expect(await fromFile('a\nb\nc', 0, 16)).toEqual([['a\nb\nc\n', 3, 1, 3]]);
  });
});

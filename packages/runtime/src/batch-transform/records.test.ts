import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecordIO, recordsFromFile, splitRecords, type InputRecord, type SplitType } from './records.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));

/** A RecordIO record split in parts (cflag 1 first, 2 middle, 3 last), as MXNet writes long records. */
function multipart(data: Buffer, parts: number): Buffer {
  const size = Math.ceil(data.length / parts);
  return Buffer.concat(Array.from({ length: parts }, (_, i) => {
    const one = encodeRecordIO(data.subarray(i * size, (i + 1) * size));
    const flag = i === 0 ? 1 : i === parts - 1 ? 3 : 2;
    one.writeUInt32LE((flag << 29) | one.readUInt32LE(4), 4);
    return one;
  }));
}

function tfRecord(data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}

const files: Record<Exclude<SplitType, 'None'>, () => Buffer> = {
  Line: () => Buffer.from(Array.from({ length: 300 }, () => (rand() < 0.1 ? '' : `${'x'.repeat(Math.floor(rand() * 40))}${rand() < 0.2 ? '\r' : ''}`)).join('\n') + (rand() < 0.5 ? '\n' : '')),
  RecordIO: () => Buffer.concat(Array.from({ length: 120 }, () => (rand() < 0.2 ? multipart(bytes(30 + Math.floor(rand() * 60)), 2 + Math.floor(rand() * 3)) : encodeRecordIO(bytes(Math.floor(rand() * 50)))))),
  TFRecord: () => Buffer.concat(Array.from({ length: 150 }, () => tfRecord(bytes(Math.floor(rand() * 70))))),
};

const shape = (rs: Iterable<InputRecord>) => [...rs].map((r) => [r.position, r.payload.toString('hex'), r.framed.toString('hex')]);

async function fromFile(buf: Buffer, split: SplitType, block: number) {
  const path = join(dir, 'in.bin');
  writeFileSync(path, buf);
  const out: InputRecord[] = [];
  for await (const r of recordsFromFile(path, split, 'in.bin', { blockBytes: block })) out.push(r);
  return shape(out);
}

async function failure(buf: Buffer, split: SplitType, block: number): Promise<string> {
  try {
    await fromFile(buf, split, block);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('records read from a file in blocks', () => {
  it.each(Object.keys(files) as (keyof typeof files)[])('%s: the same records as the whole file, whatever the block size', async (split) => {
    for (let round = 0; round < 3; round++) {
      const buf = files[split]();
      const whole = shape(splitRecords(buf, split, 'in.bin'));
      expect(whole.length).toBeGreaterThan(50);
      for (const block of [1, 7, 64, 333, 1 << 20]) expect(await fromFile(buf, split, block)).toEqual(whole);
    }
  });

  it('RecordIO: a last record with only part of its padding, split anywhere across blocks', async () => {
    const full = Buffer.concat([encodeRecordIO(Buffer.from('xy')), encodeRecordIO(Buffer.from('abcde'))]);
    const cut = full.subarray(0, full.length - 1);
    const whole = shape(splitRecords(cut, 'RecordIO', 'in.bin'));
    expect(whole.map((r) => Buffer.from(r[1] as string, 'hex').toString())).toEqual(['xy', 'abcde']);
    for (let block = 1; block <= cut.length + 1; block++) expect(await fromFile(cut, 'RecordIO', block)).toEqual(whole);
  });

  it('SplitType None: the whole file is one record; an empty file has none', async () => {
    expect(await fromFile(Buffer.from('a\nb'), 'None', 1)).toEqual([[1, '610a62', '610a62']]);
    expect(await fromFile(Buffer.alloc(0), 'None', 1)).toEqual([]);
  });

  it('names the file, the record and the byte where the framing breaks, as for the whole file', async () => {
    const good = Buffer.concat([encodeRecordIO(Buffer.from('abcd')), encodeRecordIO(Buffer.from('ef'))]);
    const cases: [Buffer, SplitType][] = [
      [good.subarray(0, good.length - 3), 'RecordIO'],
      [Buffer.concat([good, Buffer.from('junkjunk')]), 'RecordIO'],
      [Buffer.concat([good, Buffer.from('ju')]), 'RecordIO'],
      [multipart(Buffer.from('abcdefgh'), 2).subarray(0, 12), 'RecordIO'],
      [Buffer.concat([tfRecord(Buffer.from('abc')), tfRecord(Buffer.from('defg')).subarray(0, 10)]), 'TFRecord'],
      [Buffer.concat([tfRecord(Buffer.from('abc')), tfRecord(Buffer.from('defg')).subarray(0, 17)]), 'TFRecord'],
    ];
    for (const [buf, split] of cases) {
      let whole = 'no error';
      try {
        shape(splitRecords(buf, split, 'in.bin'));
      } catch (e) {
        whole = (e as Error).message;
      }
      expect(whole).toMatch(/^in\.bin: /);
      for (const block of [1, 5, 4096]) expect(await failure(buf, split, block)).toBe(whole);
    }
    expect(await failure(good.subarray(0, good.length - 3), 'RecordIO', 3)).toBe('in.bin: RecordIO record 2 at byte 12 is cut short.');
  });

  it('fails at once on a length the file cannot hold, without reading on (a 3 GB sparse file)', async () => {
    const path = join(dir, 'huge.bin');
    const head = Buffer.alloc(12);
    head.writeBigUInt64LE(1n << 40n, 0);
    writeFileSync(path, head);
    truncateSync(path, 3 * 2 ** 30);
    const read = async (split: SplitType) => {
      for await (const r of recordsFromFile(path, split, 'huge.bin', { blockBytes: 1 << 16 })) void r;
    };
    await expect(read('TFRecord')).rejects.toThrow('huge.bin: TFRecord record 1 at byte 0 is cut short.');
    const rio = encodeRecordIO(Buffer.from('ab'));
    rio.writeUInt32LE(0x1fffffff, 4);
    writeFileSync(path, rio);
    truncateSync(path, 2 ** 29);
    await expect(read('RecordIO')).rejects.toThrow('huge.bin: RecordIO record 1 at byte 0 is cut short.');
  });

  it('with a line limit, fails on a longer line as soon as it is seen, with its size as a record counts it', async () => {
    const path = join(dir, 'long.csv');
    writeFileSync(path, 'a,b\r\nc,d\n');
    truncateSync(path, 9 + 50_000_000);
    const lineLimit = { bytes: 1000, error: (line: number, size: number) => new Error(`line ${line}: ${size} bytes`) };
    const seen: number[] = [];
    const read = async () => {
      for await (const r of recordsFromFile(path, 'Line', 'long.csv', { blockBytes: 4096, lineLimit })) seen.push(r.position);
    };
    // Zero bytes to the end (no newline): 50,000,000 bytes and the newline a record gets.
    await expect(read()).rejects.toThrow('line 3: 50000001 bytes');
    expect(seen).toEqual([1, 2]);
    writeFileSync(path, `x\n${'y'.repeat(5000)}\r\nz\n`);
    seen.length = 0;
    await expect(read()).rejects.toThrow('line 2: 5001 bytes');
    expect(seen).toEqual([1]);
  });
});

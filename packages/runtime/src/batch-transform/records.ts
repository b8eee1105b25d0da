import { open, readFile } from 'node:fs/promises';

/** How a file is cut into records (SageMaker's SplitType). */
export type SplitType = 'None' | 'Line' | 'RecordIO' | 'TFRecord';

/**
 * One record of an input file. `payload` is what a SingleRecord request carries (a line with its
 * newline; RecordIO/TFRecord data without framing or padding, as SageMaker strips them); `framed` is
 * its share of a MultiRecord mini-batch (the line with its newline; the record with its framing).
 */
export interface InputRecord {
  readonly payload: Buffer;
  readonly framed: Buffer;
  /** 1-based: the line for Line splits, the record's position otherwise. */
  readonly position: number;
}

export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

const RECORDIO_MAGIC = 0xced7230a;
const NL = Buffer.from('\n');

/**
 * A scan of one buffer of a file: `base` is the file offset of its first byte; the scan advances
 * `consumed` (bytes taken as whole records) and `position` (records counted; lines, for Line). A scan
 * that is not `final` stops before a record the buffer does not hold whole, so a reader can read on
 * and scan again from `consumed` ({@link recordsFromFile}); a final one reports broken framing.
 */
interface Scan {
  readonly base: number;
  readonly final: boolean;
  consumed: number;
  position: number;
}

function* lines(buf: Buffer, s: Scan): Generator<InputRecord> {
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) {
      if (!s.final) return;
      end = buf.length;
    }
    s.position++;
    // A trailing \r belongs to the line ending, not the record.
    const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
    const data = buf.subarray(start, stop);
    start = end + 1;
    s.consumed = Math.min(start, buf.length);
    if (data.length > 0) {
      const framed = Buffer.concat([data, NL]);
      yield { payload: framed, framed, position: s.position };
    }
  }
}

function* recordIO(buf: Buffer, file: string, s: Scan): Generator<InputRecord> {
  let off = 0;
  let parts: Buffer[] = [];
  let begin = 0;
  while (off < buf.length) {
    const whole = off + 8 <= buf.length;
    if (!whole && !s.final) return;
    if (!whole || buf.readUInt32LE(off) !== RECORDIO_MAGIC) throw new RecordFormatError(`${file}: no RecordIO header at byte ${s.base + off} (record ${s.position + 1}).`);
    const l = buf.readUInt32LE(off + 4);
    const cflag = l >>> 29;
    const len = l & 0x1fffffff;
    const dataEnd = off + 8 + len;
    if (dataEnd > buf.length) {
      if (!s.final) return;
      throw new RecordFormatError(`${file}: RecordIO record ${s.position + 1} at byte ${s.base + off} is cut short.`);
    }
    // The padding to 4 bytes must be here too, unless the file ends (a last record may lack it).
    const next = dataEnd + ((4 - (len % 4)) % 4);
    if (next > buf.length && !s.final) return;
    if (parts.length === 0) begin = off;
    parts.push(buf.subarray(off + 8, dataEnd));
    off = next;
    // cflag 0 is a whole record; 1 starts, 2 continues and 3 ends a record split in parts.
    if (cflag === 0 || cflag === 3) {
      s.position++;
      s.consumed = Math.min(off, buf.length);
      yield { payload: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), framed: buf.subarray(begin, s.consumed), position: s.position };
      parts = [];
    }
  }
  if (parts.length > 0 && s.final) throw new RecordFormatError(`${file}: the last RecordIO record is incomplete.`);
}

function* tfRecord(buf: Buffer, file: string, s: Scan): Generator<InputRecord> {
  let off = 0;
  while (off < buf.length) {
    const end = off + 12 <= buf.length ? off + 12 + Number(buf.readBigUInt64LE(off)) + 4 : Number.POSITIVE_INFINITY;
    if (end > buf.length) {
      if (!s.final) return;
      throw new RecordFormatError(`${file}: TFRecord record ${s.position + 1} at byte ${s.base + off} is cut short.`);
    }
    s.position++;
    s.consumed = end;
    yield { payload: buf.subarray(off + 12, end - 4), framed: buf.subarray(off, end), position: s.position };
    off = end;
  }
}

function scan(buf: Buffer, split: SplitType, file: string, s: Scan): Iterable<InputRecord> {
  if (split === 'Line') return lines(buf, s);
  if (split === 'RecordIO') return recordIO(buf, file, s);
  if (split === 'TFRecord') return tfRecord(buf, file, s);
  s.consumed = buf.length;
  return buf.length === 0 ? [] : [{ payload: buf, framed: buf, position: 1 }];
}

/** The records of one file held whole, in order. @throws RecordFormatError naming the file and where the framing breaks. */
export function splitRecords(buf: Buffer, split: SplitType, file: string): Iterable<InputRecord> {
  return scan(buf, split, file, { base: 0, final: true, consumed: 0, position: 0 });
}

/**
 * The records of a file of any size, read in blocks of `blockBytes` (a record longer than a block is
 * read whole), in order: the same records as {@link splitRecords} of the whole file, holding only the
 * blocks whose records are still referenced. SplitType None reads the file whole (it is one payload).
 * `file` names the file in errors. @throws RecordFormatError naming the file and where the framing breaks.
 */
export async function* recordsFromFile(path: string, split: SplitType, file: string, blockBytes = 8 << 20): AsyncGenerator<InputRecord> {
  if (split === 'None') {
    yield* splitRecords(await readFile(path), split, file);
    return;
  }
  const h = await open(path, 'r');
  try {
    let carry = Buffer.alloc(0);
    let base = 0;
    let position = 0;
    for (;;) {
      // The carried bytes (an unfinished record), then at least as many again read after them.
      const want = Math.max(blockBytes, carry.length);
      const data = Buffer.allocUnsafe(carry.length + want);
      carry.copy(data, 0);
      const { bytesRead } = await h.read(data, carry.length, want, null);
      const s: Scan = { base, final: bytesRead === 0, consumed: 0, position };
      const filled = data.subarray(0, carry.length + bytesRead);
      yield* scan(filled, split, file, s);
      if (s.final) return;
      carry = filled.subarray(s.consumed);
      base += s.consumed;
      position = s.position;
    }
  } finally {
    await h.close();
  }
}

/** Frames bytes as one RecordIO record (for tests and tools that write RecordIO). */
export function encodeRecordIO(data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(RECORDIO_MAGIC, 0);
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

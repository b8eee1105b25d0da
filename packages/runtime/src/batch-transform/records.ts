import { open, readFile, type FileHandle } from 'node:fs/promises';

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
 * A scan of one buffer of a file: `base` is the file offset of its first byte, `size` the file's
 * size; the scan advances `consumed` (bytes taken as whole records) and `position` (records counted;
 * lines, for Line). A scan that is not `final` stops before a record the buffer does not hold whole
 * but the file does, so a reader can read on and scan again from `consumed` ({@link recordsFromFile});
 * framing that the file cannot complete (a length past its end) is reported at once.
 */
interface Scan {
  readonly base: number;
  readonly size: number;
  readonly final: boolean;
  consumed: number;
  position: number;
}

/** Whether a record needing the buffer's bytes up to `end` may still come whole: more of the file is to be read and it reaches that far. */
const readOn = (s: Scan, end: number): boolean => !s.final && s.base + end <= s.size;

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
    if (!whole && readOn(s, off + 8)) return;
    if (!whole || buf.readUInt32LE(off) !== RECORDIO_MAGIC) throw new RecordFormatError(`${file}: no RecordIO header at byte ${s.base + off} (record ${s.position + 1}).`);
    const l = buf.readUInt32LE(off + 4);
    const cflag = l >>> 29;
    const len = l & 0x1fffffff;
    const dataEnd = off + 8 + len;
    if (dataEnd > buf.length) {
      if (readOn(s, dataEnd)) return;
      throw new RecordFormatError(`${file}: RecordIO record ${s.position + 1} at byte ${s.base + off} is cut short.`);
    }
    // The padding to 4 bytes must be here too, as far as the file has it (a last record may lack some).
    const next = dataEnd + ((4 - (len % 4)) % 4);
    if (next > buf.length && readOn(s, Math.min(next, s.size - s.base))) return;
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
    const head = off + 12 <= buf.length;
    const end = head ? off + 12 + Number(buf.readBigUInt64LE(off)) + 4 : off + 12;
    if (!head || end > buf.length) {
      if (readOn(s, end)) return;
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
  return scan(buf, split, file, { base: 0, size: buf.length, final: true, consumed: 0, position: 0 });
}

/** Lines longer than `bytes` (with their newline) fail as soon as the reader sees it, with `error(line, size)`. */
export interface LineLimit {
  readonly bytes: number;
  readonly error: (line: number, size: number) => Error;
}

/**
 * The records of a file of any size, read in blocks of `blockBytes` (a record longer than a block is
 * read whole, once the file is seen to hold it), in order: the same records as {@link splitRecords} of
 * the whole file, holding only the blocks whose records are still referenced. With `lineLimit`, a line
 * over it fails without being held. SplitType None reads the file whole (it is one payload). `file`
 * names the file in errors. @throws RecordFormatError naming the file and where the framing breaks.
 */
export async function* recordsFromFile(path: string, split: SplitType, file: string, o: { blockBytes?: number; lineLimit?: LineLimit } = {}): AsyncGenerator<InputRecord> {
  if (split === 'None') {
    yield* splitRecords(await readFile(path), split, file);
    return;
  }
  const blockBytes = Math.max(1, o.blockBytes ?? 8 << 20);
  const h = await open(path, 'r');
  try {
    const { size } = await h.stat();
    let carry = Buffer.alloc(0);
    let base = 0;
    let position = 0;
    for (;;) {
      // The carried bytes (an unfinished record), then at least as many again read after them.
      const want = Math.max(blockBytes, carry.length);
      const data = Buffer.allocUnsafe(carry.length + want);
      carry.copy(data, 0);
      const { bytesRead } = await h.read(data, carry.length, want, null);
      const s: Scan = { base, size, final: bytesRead === 0, consumed: 0, position };
      const filled = data.subarray(0, carry.length + bytesRead);
      yield* scan(filled, split, file, s);
      if (s.final) return;
      carry = filled.subarray(s.consumed);
      base += s.consumed;
      position = s.position;
      if (split === 'Line' && o.lineLimit && carry.length > o.lineLimit.bytes) {
        // As a Line record counts it: without a \r before the newline, with the newline.
        const rest = await restOfLine(h, carry);
        throw o.lineLimit.error(position + 1, rest.bytes - (rest.cr ? 1 : 0) + 1);
      }
    }
  } finally {
    await h.close();
  }
}

/**
 * Reads on from `h` to the end of the line whose first bytes are `head`, without holding it: its
 * length to the newline (or the file's end), and whether a `\r` ends it.
 */
export async function restOfLine(h: FileHandle, head: Buffer): Promise<{ bytes: number; cr: boolean }> {
  const scratch = Buffer.allocUnsafe(1 << 20);
  let bytes = head.length;
  let last = head[head.length - 1];
  for (;;) {
    const { bytesRead } = await h.read(scratch, 0, scratch.length, null);
    const nl = scratch.subarray(0, bytesRead).indexOf(10);
    const take = nl >= 0 ? nl : bytesRead;
    if (take > 0) last = scratch[take - 1];
    bytes += take;
    if (nl >= 0 || bytesRead === 0) return { bytes, cr: last === 13 };
  }
}

/** Frames bytes as one RecordIO record (for tests and tools that write RecordIO). */
export function encodeRecordIO(data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(RECORDIO_MAGIC, 0);
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

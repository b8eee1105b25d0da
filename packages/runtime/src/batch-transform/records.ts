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

function* lines(buf: Buffer): Generator<InputRecord> {
  let start = 0;
  let n = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    const last = end < 0;
    if (last) end = buf.length;
    n++;
    // A trailing \r belongs to the line ending, not the record.
    const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
    if (stop > start) {
      const data = buf.subarray(start, stop);
      const framed = Buffer.concat([data, NL]);
      yield { payload: framed, framed, position: n };
    }
    start = end + 1;
  }
}

function* recordIO(buf: Buffer, file: string): Generator<InputRecord> {
  let off = 0;
  let n = 0;
  let parts: Buffer[] = [];
  let begin = 0;
  while (off < buf.length) {
    if (off + 8 > buf.length || buf.readUInt32LE(off) !== RECORDIO_MAGIC) throw new RecordFormatError(`${file}: no RecordIO header at byte ${off} (record ${n + 1}).`);
    const l = buf.readUInt32LE(off + 4);
    const cflag = l >>> 29;
    const len = l & 0x1fffffff;
    const dataEnd = off + 8 + len;
    if (dataEnd > buf.length) throw new RecordFormatError(`${file}: RecordIO record ${n + 1} at byte ${off} is cut short.`);
    if (parts.length === 0) begin = off;
    parts.push(buf.subarray(off + 8, dataEnd));
    off = dataEnd + ((4 - (len % 4)) % 4);
    // cflag 0 is a whole record; 1 starts, 2 continues and 3 ends a record split in parts.
    if (cflag === 0 || cflag === 3) {
      n++;
      yield { payload: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), framed: buf.subarray(begin, Math.min(off, buf.length)), position: n };
      parts = [];
    }
  }
  if (parts.length > 0) throw new RecordFormatError(`${file}: the last RecordIO record is incomplete.`);
}

function* tfRecord(buf: Buffer, file: string): Generator<InputRecord> {
  let off = 0;
  let n = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new RecordFormatError(`${file}: TFRecord record ${n + 1} at byte ${off} is cut short.`);
    const len = Number(buf.readBigUInt64LE(off));
    const end = off + 12 + len + 4;
    if (end > buf.length) throw new RecordFormatError(`${file}: TFRecord record ${n + 1} at byte ${off} is cut short.`);
    n++;
    yield { payload: buf.subarray(off + 12, off + 12 + len), framed: buf.subarray(off, end), position: n };
    off = end;
  }
}

/** The records of one file, in order. @throws RecordFormatError naming the file and where the framing breaks. */
export function splitRecords(buf: Buffer, split: SplitType, file: string): Iterable<InputRecord> {
  if (split === 'Line') return lines(buf);
  if (split === 'RecordIO') return recordIO(buf, file);
  if (split === 'TFRecord') return tfRecord(buf, file);
  return buf.length === 0 ? [] : [{ payload: buf, framed: buf, position: 1 }];
}

/** Frames bytes as one RecordIO record (for tests and tools that write RecordIO). */
export function encodeRecordIO(data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(RECORDIO_MAGIC, 0);
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

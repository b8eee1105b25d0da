/** RecordIO's magic word (dmlc-core, MXNet), written little-endian before every record part. */
export const recordIoMagic = 0xced7230a;

/** The longest record RecordIO can hold: its length field has 29 bits (dmlc-core refuses 2^29 bytes and more). */
export const recordIoMaxBytes = 2 ** 29 - 1;

/**
 * One object as a RecordIO record, as dmlc-core's `RecordIOWriter::WriteRecord` writes it (what MXNet's
 * `MXRecordIO` and SageMaker's Pipe mode `RecordWrapperType: RecordIO` readers expect): parts of
 * `[magic u32le][lrec u32le][data]`, `lrec = cflag << 29 | length`, then zero padding to 4 bytes. The data
 * is cut wherever the magic word itself occurs at a 4-byte aligned offset (that word is left out and put
 * back by the reader): cflag 0 for a record in one part, else 1 for the first part, 2 for a middle one and
 * 3 for the last.
 * @throws RangeError for a record of 2^29 bytes or more.
 */
export function recordIoRecord(data: Uint8Array): Buffer[] {
  if (data.length > recordIoMaxBytes) throw new RangeError(`a RecordIO record holds at most ${recordIoMaxBytes} bytes; this one has ${data.length}`);
  const out: Buffer[] = [];
  const part = (cflag: number, from: number, to: number) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(recordIoMagic, 0);
    head.writeUInt32LE(((cflag << 29) | (to - from)) >>> 0, 4);
    out.push(head);
    if (to > from) out.push(Buffer.from(data.buffer, data.byteOffset + from, to - from));
  };
  const len = data.length;
  let start = 0;
  for (let i = 0; i + 4 <= len; i += 4) {
    // 0xced7230a little-endian: 0a 23 d7 ce.
    if (data[i] === 0x0a && data[i + 1] === 0x23 && data[i + 2] === 0xd7 && data[i + 3] === 0xce) {
      part(start === 0 ? 1 : 2, start, i);
      start = i + 4;
    }
  }
  part(start !== 0 ? 3 : 0, start, len);
  const pad = (4 - (len % 4)) % 4;
  if (pad > 0) out.push(Buffer.alloc(pad));
  return out;
}

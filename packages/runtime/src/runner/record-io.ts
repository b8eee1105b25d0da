/** RecordIO's magic word (dmlc-core, MXNet), written little-endian before every record part. */
export const recordIoMagic = 0xced7230a;

/** The longest record RecordIO can hold: its length field has 29 bits (dmlc-core refuses 2^29 bytes and more). */
export const recordIoMaxBytes = 2 ** 29 - 1;

/**
 * Reads an object: from its first byte, or from `range.start` (a part read again: at least `range.end - range.start`
 * bytes follow unless the object changed; more may, they are not taken). Every call is a fresh read of the same bytes.
 */
export type ByteSource = (range?: { readonly start: number; readonly end: number }) => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;

/** How many bytes of a part {@link recordIoFrames} holds from its one read before it reads the part again instead. */
export const recordIoWindowBytes = 4 * 1024 * 1024;

/** Thrown by {@link recordIoFrames} for data of more than `maxBytes`. */
export class RecordIoTooLarge extends RangeError {
  override readonly name = 'RecordIoTooLarge';

  constructor(readonly maxBytes: number) {
    super(`a RecordIO record holds at most ${maxBytes} bytes`);
  }
}

/** Thrown by {@link recordIoFrames} when the second read of the object differs from the first. */
export class RecordIoSourceChanged extends Error {
  override readonly name = 'RecordIoSourceChanged';
}

/** 0xced7230a little-endian: 0a 23 d7 ce. */
function magicAt(b: Uint8Array, i: number): boolean {
  return b[i] === 0x0a && b[i + 1] === 0x23 && b[i + 2] === 0xd7 && b[i + 3] === 0xce;
}

function header(cflag: number, length: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(recordIoMagic, 0);
  head.writeUInt32LE(((cflag << 29) | length) >>> 0, 4);
  return head;
}

/**
 * One object as one RecordIO record, as dmlc-core's `RecordIOWriter::WriteRecord` writes it (what MXNet's
 * `MXRecordIO` and SageMaker's Pipe mode `RecordWrapperType: RecordIO` readers expect): parts of
 * `[magic u32le][lrec u32le][data]`, `lrec = cflag << 29 | length`, then zero padding to 4 bytes. The data
 * is cut wherever the magic word itself occurs at a 4-byte aligned offset (dmlc-core checks the words wholly
 * inside the data, `i + 4 <= length`; that word is left out and put back by the reader): cflag 0 for a record
 * in one part, else 1 for the first part, 2 for a middle one and 3 for the last.
 *
 * Streamed in bounded memory from one read: a part's header carries its length, known only once the next magic
 * word (or the end) has been seen, so a part's bytes are held until then, up to `windowBytes` (the usual object,
 * in one part, is read once, as a single read would). A longer part's bytes are dropped as they come, and once the
 * read has found its end the part is read again by its range (`open({ start, end })`) and passed on as it arrives:
 * memory is the window and a chunk whatever the object's size, and the second read starts only when it is needed,
 * never idling while the first one searches (a last part is read again after the first read has ended). A part
 * read again must be as long as it was and hold no aligned magic word (its record would be cut where no header
 * says), else RecordIoSourceChanged; a record cut by magic words has its first parts written before a later one
 * is found too long.
 * @throws RecordIoTooLarge for data of more than `maxBytes` (at most {@link recordIoMaxBytes});
 *   RecordIoSourceChanged when a part read again differs; whatever a read throws.
 */
export async function* recordIoFrames(open: ByteSource, maxBytes: number = recordIoMaxBytes, windowBytes: number = recordIoWindowBytes): AsyncGenerator<Buffer> {
  const limit = Math.min(maxBytes, recordIoMaxBytes);
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let over = false; // the current part passed the window: its bytes were dropped, it is read again
  let start = 0; // the current part's first byte
  let parts = 0;
  const keep = (b: Uint8Array): void => {
    if (over || b.length === 0) return;
    heldBytes += b.length;
    if (heldBytes > windowBytes) {
      over = true;
      held = [];
    } else held.push(b);
  };
  async function* part(to: number, last: boolean): AsyncGenerator<Buffer> {
    yield header(last ? (parts === 0 ? 0 : 3) : parts === 0 ? 1 : 2, to - start);
    if (over) yield* again(open, start, to);
    else for (const b of held) yield Buffer.from(b.buffer, b.byteOffset, b.length);
    held = [];
    heldBytes = 0;
    over = false;
    parts++;
  }
  let carry: Uint8Array = new Uint8Array(0);
  let base = 0; // the offset of `buf`'s first byte
  for await (const chunk of await open()) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    if (base + buf.length > limit) throw new RecordIoTooLarge(limit);
    const whole = buf.length - (buf.length % 4);
    let from = 0;
    for (let i = 0; i < whole; i += 4) {
      if (!magicAt(buf, i)) continue;
      keep(buf.subarray(from, i));
      yield* part(base + i, false);
      from = i + 4;
      start = base + from;
    }
    keep(buf.subarray(from, whole));
    carry = Uint8Array.from(buf.subarray(whole));
    base += whole;
  }
  keep(carry);
  const end = base + carry.length;
  yield* part(end, true);
  const pad = (4 - (end % 4)) % 4;
  if (pad > 0) yield Buffer.alloc(pad);
}

/** Bytes `[from, to)` read again (`from` is 4-byte aligned), checked for a magic word the first read did not see. */
async function* again(open: ByteSource, from: number, to: number): AsyncGenerator<Buffer> {
  let n = to - from;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of await open({ start: from, end: to })) {
    const b = chunk.length > n ? chunk.subarray(0, n) : chunk;
    const buf = carry.length === 0 ? b : Buffer.concat([carry, b]);
    const whole = buf.length - (buf.length % 4);
    for (let i = 0; i < whole; i += 4) if (magicAt(buf, i)) throw new RecordIoSourceChanged('the object changed between its two reads (a magic word where there was none)');
    carry = Uint8Array.from(buf.subarray(whole));
    n -= b.length;
    yield Buffer.from(b.buffer, b.byteOffset, b.length);
    if (n === 0) return;
  }
  throw new RecordIoSourceChanged('the object ended earlier on its second read');
}

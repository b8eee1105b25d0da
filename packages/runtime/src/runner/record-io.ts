/** RecordIO's magic word (dmlc-core, MXNet), written little-endian before every record part. */
export const recordIoMagic = 0xced7230a;

/** The longest record RecordIO can hold: its length field has 29 bits (dmlc-core refuses 2^29 bytes and more). */
export const recordIoMaxBytes = 2 ** 29 - 1;

/** Reads an object from its first byte; every call is a fresh read of the same bytes. */
export type ByteSource = () => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;

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

type Boundary = { readonly magic: number } | { readonly end: number };

/**
 * The first read: the offset of every magic word at a 4-byte aligned offset (dmlc-core checks the words
 * wholly inside the data, `i + 4 <= length`), then the data's length. Holds at most 3 bytes across chunks.
 */
async function* boundaries(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Boundary> {
  let carry: Uint8Array = new Uint8Array(0);
  let base = 0;
  for await (const chunk of source) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const whole = buf.length - (buf.length % 4);
    if (base + buf.length > maxBytes) throw new RecordIoTooLarge(maxBytes);
    for (let i = 0; i < whole; i += 4) if (magicAt(buf, i)) yield { magic: base + i };
    carry = Uint8Array.from(buf.subarray(whole));
    base += whole;
  }
  yield { end: base + carry.length };
}

/** The second read, taken in exact amounts: `take(n)` yields the next n bytes as they arrive, holding one chunk. */
class Taker {
  private rest: Uint8Array = new Uint8Array(0);

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  async *take(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (this.rest.length === 0 && !(await this.fill())) throw new RecordIoSourceChanged('the object ended earlier on its second read');
      const k = Math.min(n, this.rest.length);
      yield Buffer.from(this.rest.buffer, this.rest.byteOffset, k);
      this.rest = this.rest.subarray(k);
      n -= k;
    }
  }

  /** The next 4 bytes must be the magic word the first read found there. */
  async skipMagic(): Promise<void> {
    const word: Buffer[] = [];
    for await (const b of this.take(4)) word.push(b);
    if (!magicAt(Buffer.concat(word), 0)) throw new RecordIoSourceChanged('the object changed between its two reads');
  }

  async atEnd(): Promise<boolean> {
    return this.rest.length === 0 && !(await this.fill());
  }

  private async fill(): Promise<boolean> {
    for (;;) {
      const r = await this.it.next();
      if (r.done) return false;
      if (r.value.length > 0) {
        this.rest = r.value;
        return true;
      }
    }
  }
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
 * is cut wherever the magic word itself occurs at a 4-byte aligned offset (that word is left out and put
 * back by the reader): cflag 0 for a record in one part, else 1 for the first part, 2 for a middle one and
 * 3 for the last.
 *
 * Streamed in constant memory: a part's header carries its length, which is known only once the next
 * magic word (or the end) has been seen, so the object is read twice, side by side: the first read runs
 * ahead only as far as the end of the part being written, the second supplies the part's bytes as they come
 * (each read holds one chunk, whatever the object's size). The second read is checked against the first
 * (magic words where they were, the same length). A record cut by magic words has its first parts written
 * before a later one is found too long.
 * @throws RecordIoTooLarge for data of more than `maxBytes` (at most {@link recordIoMaxBytes});
 *   RecordIoSourceChanged when the two reads differ; whatever a read throws.
 */
export async function* recordIoFrames(open: ByteSource, maxBytes: number = recordIoMaxBytes): AsyncGenerator<Buffer> {
  const limit = Math.min(maxBytes, recordIoMaxBytes);
  const scout = boundaries(await open(), limit);
  const data = (await open())[Symbol.asyncIterator]();
  const taker = new Taker(data);
  try {
    let start = 0;
    for (;;) {
      const r = await scout.next();
      if (r.done) throw new Error('unreachable: the first read ended without its length');
      const b = r.value;
      const last = 'end' in b;
      const to = last ? b.end : b.magic;
      yield header(last ? (start === 0 ? 0 : 3) : start === 0 ? 1 : 2, to - start);
      yield* taker.take(to - start);
      if (last) {
        if (!(await taker.atEnd())) throw new RecordIoSourceChanged('the object was longer on its second read');
        const pad = (4 - (to % 4)) % 4;
        if (pad > 0) yield Buffer.alloc(pad);
        return;
      }
      await taker.skipMagic();
      start = to + 4;
    }
  } finally {
    await scout.return(undefined);
    await data.return?.();
  }
}

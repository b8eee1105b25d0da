import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 4 << 20;

/**
 * Text sources the readers accept: a file path, bytes already in memory, or a stream of byte chunks
 * (a Node `Readable`, a web stream's async iterator, an S3 body).
 */
export type ByteSource = string | Uint8Array | AsyncIterable<Uint8Array>;

/** Counts `\n`-terminated lines (plus a final unterminated one), so a reader can size its matrix before parsing. */
export function countLines(buf: Uint8Array): number {
  let n = 0;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  if (b.length > 0 && b[b.length - 1] !== 10) n++;
  return n;
}

/** Counts lines of a file in fixed-size chunks, without holding the file in memory. */
export function countFileLines(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let n = 0;
    let last = 10;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      if (got === 0) break;
      for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) n++;
      last = buf[got - 1] as number;
    }
    return last === 10 ? n : n + 1;
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLines(view, final)` with views holding whole lines only (the last view may end without a
 * newline when `final`), reading the file in 4 MB chunks. A line longer than a chunk grows the buffer.
 */
export function forEachFileChunk(path: string, onLines: (view: Uint8Array, final: boolean) => void): void {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let carry = 0;
    for (;;) {
      if (carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const got = readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + got;
      if (got === 0) {
        onLines(buf.subarray(0, end), true);
        return;
      }
      const cut = buf.lastIndexOf(10, end - 1) + 1;
      if (cut > 0) {
        onLines(buf.subarray(0, cut), false);
        buf.copy(buf, 0, cut, end);
        carry = end - cut;
      } else {
        carry = end;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The same as {@link forEachFileChunk} for a stream of byte chunks of any size. */
export async function forEachStreamChunk(stream: AsyncIterable<Uint8Array>, onLines: (view: Uint8Array, final: boolean) => void): Promise<void> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = carry.length === 0 ? chunk : concat(carry, chunk);
    const cut = joined.lastIndexOf(10) + 1;
    if (cut > 0) {
      onLines(joined.subarray(0, cut), false);
      carry = joined.slice(cut);
    } else {
      carry = joined.slice();
    }
  }
  onLines(carry, true);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

import { createHash } from 'node:crypto';
import { echo } from '@loam/core';
import { EMPTY_SHA256, sha256Hex, signHex } from './sigv4-canonical.js';
import { createChecksum, isChecksumAlgorithm, type Checksum } from './checksums.js';
import { SigV4Error } from './sigv4-errors.js';

/** The `x-amz-content-sha256` values that announce an aws-chunked body. */
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export function isStreamingPayload(payloadHash: string): boolean {
  return payloadHash === STREAMING_SIGNED || payloadHash === STREAMING_SIGNED_TRAILER || payloadHash === STREAMING_UNSIGNED_TRAILER;
}

export interface ChunkedOptions {
  /** The `x-amz-content-sha256` mode. */
  readonly mode: string;
  /** From the verified header signature: chunk signatures chain from the seed. */
  readonly signing: { readonly key: Buffer; readonly seedSignature: string; readonly amzDate: string; readonly scope: string };
  /** `x-amz-decoded-content-length`, when sent: the decoded size must equal it. */
  readonly decodedLength?: number;
  /** `x-amz-trailer`: the trailing header the writer announced (`x-amz-checksum-crc32`). */
  readonly trailerHeader?: string;
}

const MAX_LINE = 4096;

/** Pulls bytes from a stream: whole CRLF-terminated lines, or exact counts handed out piecewise. */
class Reader {
  private buf = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : Buffer.from(r.value);
    return true;
  }

  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const s = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return s;
      }
      if (this.buf.length > MAX_LINE) throw bad('a chunk header or trailer line is too long');
      if (!(await this.fill())) throw bad('the body ended in the middle of a line');
    }
  }

  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw bad('the body ended inside a chunk');
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  async atEnd(): Promise<boolean> {
    while (this.buf.length === 0) if (!(await this.fill())) return true;
    return false;
  }
}

function bad(why: string): SigV4Error {
  return new SigV4Error('malformed', `The aws-chunked body is malformed: ${why}.`);
}

/**
 * Decodes an aws-chunked body (`<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n … 0…\r\n<trailers>\r\n`),
 * yielding the payload. Signed modes check every chunk signature, chained from the seed signature;
 * trailer modes check the trailing `x-amz-checksum-*` against the bytes and, when signed, the
 * trailer signature. Any mismatch throws before the stream ends, so an atomic writer keeps nothing.
 *
 * @throws SigV4Error — `signature` for a bad chunk or trailer signature, `bad-digest` for a checksum
 *   that does not match, `malformed` for framing errors.
 */
export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, o: ChunkedOptions): AsyncGenerator<Buffer> {
  const signed = o.mode === STREAMING_SIGNED || o.mode === STREAMING_SIGNED_TRAILER;
  const trailer = o.mode !== STREAMING_SIGNED;
  const reader = new Reader(source[Symbol.asyncIterator]());
  const chunkSts = (prev: string, hash: string) => ['AWS4-HMAC-SHA256-PAYLOAD', o.signing.amzDate, o.signing.scope, prev, EMPTY_SHA256, hash].join('\n');
  let prev = o.signing.seedSignature;
  let total = 0;
  const checksums = new Map<string, Checksum>();
  const announced = /^x-amz-checksum-([a-z0-9]+)$/.exec((o.trailerHeader ?? '').trim().toLowerCase())?.[1];
  if (trailer && announced && isChecksumAlgorithm(announced)) checksums.set(announced, createChecksum(announced));
  const trackers = [...checksums.values()];

  for (;;) {
    const head = await reader.line();
    const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(head);
    if (!m) throw bad(`'${echo(head)}' is not a chunk header`);
    if (signed && !m[2]) throw bad('a chunk has no chunk-signature');
    const size = Number.parseInt(m[1] as string, 16);
    const hash = signed ? createHash('sha256') : undefined;
    for await (const piece of reader.take(size)) {
      hash?.update(piece);
      for (const t of trackers) t.update(piece);
      total += piece.length;
      yield piece;
    }
    if (signed) {
      const want = signHex(o.signing.key, chunkSts(prev, size === 0 ? EMPTY_SHA256 : hash!.digest('hex')));
      if (want !== m[2]) throw new SigV4Error('signature', 'A chunk signature does not match: the body was changed or signed with another key.');
      prev = want;
    }
    if (size === 0) break;
    if ((await reader.line()) !== '') throw bad('a chunk is longer than its header says');
  }

  if (trailer) {
    const lines: string[] = [];
    for (;;) {
      const l = await reader.line();
      if (l === '') break;
      lines.push(l);
    }
    let trailerSig: string | undefined;
    const canonical: string[] = [];
    for (const l of lines) {
      const c = l.indexOf(':');
      if (c <= 0) throw bad(`'${echo(l)}' is not a trailer`);
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim();
      if (name === 'x-amz-trailer-signature') {
        trailerSig = value;
        continue;
      }
      canonical.push(`${name}:${value}\n`);
      const alg = /^x-amz-checksum-([a-z0-9]+)$/.exec(name)?.[1];
      const tracked = alg ? checksums.get(alg) : undefined;
      if (alg && tracked) {
        const got = tracked.digestBase64();
        if (got !== value) throw new SigV4Error('bad-digest', `The ${alg.toUpperCase()} you specified did not match the calculated checksum.`);
      }
    }
    if (signed) {
      const sts = ['AWS4-HMAC-SHA256-TRAILER', o.signing.amzDate, o.signing.scope, prev, sha256Hex(canonical.join(''))].join('\n');
      if (!trailerSig || signHex(o.signing.key, sts) !== trailerSig) throw new SigV4Error('signature', 'The trailer signature does not match.');
    }
  } else {
    // Tolerate the final CRLF some writers add after the last chunk.
    if (!(await reader.atEnd()) && (await reader.line()) !== '') throw bad('bytes follow the final chunk');
  }
  if (!(await reader.atEnd())) throw bad('bytes follow the end of the body');
  if (o.decodedLength !== undefined && total !== o.decodedLength) {
    throw bad(`it decodes to ${total} bytes but x-amz-decoded-content-length says ${o.decodedLength}`);
  }
}

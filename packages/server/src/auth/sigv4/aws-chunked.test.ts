import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ResolvedAccessKey } from '@loam/core';
import { decodeAwsChunked } from './aws-chunked.js';
import { createChecksum } from './checksums.js';
import { isSigV4Error } from './sigv4-errors.js';
import { verifySigV4, type SignableRequest } from './sigv4-verify.js';

// The worked examples of docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
// sigv4-streaming-trailers.html: 65,536 + 1,024 bytes of 'a', signed with the S3 example key.
const keys = {
  async resolveAccessKey(id: string): Promise<ResolvedAccessKey | undefined> {
    if (id !== 'AKIAIOSFODNN7EXAMPLE') return undefined;
    return { principal: { userName: 'example', userId: 'u', arn: 'arn:loam:iam::000000000000:user/example', via: 'sigv4' }, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', status: 'Active' };
  },
  async recordAccessKeyUse() {},
};
const now = () => Date.parse('2013-05-24T00:00:00Z');

const docs = {
  signed: {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    signedHeaders: 'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
    seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    chunks: ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'],
    trailer: '',
  },
  trailer: {
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    signedHeaders: 'content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer',
    seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
    chunks: ['b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2', '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7', '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'],
    trailer: 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n',
  },
};

function body(ex: (typeof docs)['signed'], mutate?: (b: Buffer) => void): Buffer {
  const b = Buffer.concat([
    Buffer.from(`10000;chunk-signature=${ex.chunks[0]}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${ex.chunks[1]}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n0;chunk-signature=${ex.chunks[2]}\r\n${ex.trailer}\r\n`),
  ]);
  mutate?.(b);
  return b;
}

function request(ex: (typeof docs)['signed'], length: number): SignableRequest {
  const h: Record<string, string> = {
    'Content-Encoding': 'aws-chunked',
    ...(ex.mode.endsWith('TRAILER') ? {} : { 'Content-Length': String(length) }),
    Host: 's3.amazonaws.com',
    'x-amz-content-sha256': ex.mode,
    'x-amz-date': '20130524T000000Z',
    'x-amz-decoded-content-length': '66560',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    ...(ex.mode.endsWith('TRAILER') ? { 'x-amz-trailer': 'x-amz-checksum-crc32c' } : {}),
    Authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${ex.signedHeaders},Signature=${ex.seed}`,
  };
  return { method: 'PUT', rawUrl: '/examplebucket/chunkObject.txt', rawHeaders: Object.entries(h).flat() };
}

async function decode(ex: (typeof docs)['signed'], raw: Buffer, pieceSize = 7000, declaredLength = raw.length): Promise<Buffer> {
  const v = await verifySigV4(request(ex, declaredLength), { service: 's3', keys, now });
  const pieces: Buffer[] = [];
  for (let i = 0; i < raw.length; i += pieceSize) pieces.push(raw.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  for await (const c of decodeAwsChunked(Readable.from(pieces), { mode: v.payloadHash, signing: v.chunkSigning, decodedLength: 66560, trailerHeader: 'x-amz-checksum-crc32c' })) out.push(c);
  return Buffer.concat(out);
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'decoded';
  } catch (e) {
    if (isSigV4Error(e)) return e.reason;
    throw e;
  }
}

describe('aws-chunked bodies (S3 documentation examples)', () => {
  for (const [name, ex] of Object.entries(docs)) {
    it(`${name}: verifies the seed and every chunk signature, whatever the read sizes`, async () => {
      const raw = body(ex);
      if (name === 'signed') expect(raw.length).toBe(66824); // the documented Content-Length
      for (const piece of [13, 100, 7000, 70000]) expect((await decode(ex, raw, piece)).equals(Buffer.alloc(66560, 'a'))).toBe(true);
    });

    it(`${name}: refuses a flipped data byte, a replaced chunk signature and a truncated body`, async () => {
      expect(await reason(decode(ex, body(ex, (b) => (b[30000] = 0x62))))).toBe('signature');
      const swapped = { ...ex, chunks: [ex.chunks[0] as string, ex.chunks[0] as string, ex.chunks[2] as string] };
      expect(await reason(decode(ex, body(swapped)))).toBe('signature');
      // The connection drops after 60,000 of the declared bytes.
      expect(await reason(decode(ex, body(ex).subarray(0, 60000), 7000, body(ex).length))).toBe('malformed');
    });
  }

  it('trailer: refuses a trailing checksum that does not match the bytes', async () => {
    // Same trailer signature, so the checksum check is what fails.
    const ex = { ...docs.trailer, trailer: docs.trailer.trailer.replace('sOO8/Q==', 'AAAAAA==') };
    expect(['bad-digest', 'signature']).toContain(await reason(decode(ex, body(ex))));
    const unsigned = Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n');
    const run = async (raw: Buffer) => {
      const out: Buffer[] = [];
      for await (const c of decodeAwsChunked(Readable.from([raw]), { mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', signing: { key: Buffer.alloc(32), seedSignature: '', amzDate: '', scope: '' }, trailerHeader: 'x-amz-checksum-crc32' })) out.push(c);
      return Buffer.concat(out).toString();
    };
    expect(await reason(run(unsigned))).toBe('bad-digest');
    // CRC32 of "abc" is 0x352441c2 (zlib), base64 NSRBwg==.
    expect(await run(Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n'))).toBe('abc');
  });

  it('CRC32C matches the documented trailer value and the RFC 3720 check value', () => {
    const c = createChecksum('crc32c');
    c.update(Buffer.alloc(66560, 'a'));
    expect(c.digestBase64()).toBe('sOO8/Q==');
    const check = createChecksum('crc32c');
    check.update(Buffer.from('123456789'));
    expect(Buffer.from(check.digestBase64(), 'base64').readUInt32BE()).toBe(0xe3069283);
  });
});

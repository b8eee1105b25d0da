import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** A running checksum over streamed bytes. */
export interface Checksum {
  update(chunk: Uint8Array): void;
  /** The checksum as S3 carries it: base64 of the big-endian bytes. */
  digestBase64(): string;
}

let crc32cTable: Uint32Array | undefined;
function crc32cUpdate(crc: number, buf: Uint8Array): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc32cTable[i] = c >>> 0;
    }
  }
  const t = crc32cTable;
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = (t[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

function u32Base64(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}

/** The algorithms S3 names in `x-amz-checksum-<alg>` that Loam verifies. */
export const checksumAlgorithms = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

export function isChecksumAlgorithm(s: string): s is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(s);
}

export function createChecksum(alg: ChecksumAlgorithm | 'md5'): Checksum {
  if (alg === 'crc32' || alg === 'crc32c') {
    let crc = 0;
    const step = alg === 'crc32' ? (c: number, b: Uint8Array) => crc32(b, c) : crc32cUpdate;
    return { update: (b) => void (crc = step(crc, b)), digestBase64: () => u32Base64(crc) };
  }
  const h = createHash(alg);
  return { update: (b) => void h.update(b), digestBase64: () => h.digest('base64') };
}

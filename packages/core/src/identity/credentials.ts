import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const upperAlnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` characters drawn uniformly from `alphabet` (rejection sampling, so no character is more
 * likely than another), from the OS's CSPRNG.
 */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** 20 characters, `LKIA` + 16 upper-case letters and digits: the shape of AWS's `AKIA…` ids. */
export function newAccessKeyId(): string {
  return `LKIA${randomString(upperAlnum, 16)}`;
}

/** 40 characters, as AWS secret access keys (about 238 bits). */
export function newSecretAccessKey(): string {
  return randomString(base62, 40);
}

/** IAM-style user id: `AIDA` + 17 upper-case letters and digits. */
export function newUserId(): string {
  return `AIDA${randomString(upperAlnum, 17)}`;
}

export const apiTokenPrefix = 'loam_';
/** Characters of the token's public id, right after `loam_`. */
export const tokenIdLength = 12;
/** 43 base62 characters hold 256 bits: the token's secret part. */
const tokenSecretLength = 43;

/** A new API token and its public id: `loam_<12-char id><43-char secret>`. */
export function newApiToken(): { token: string; tokenId: string } {
  const tokenId = randomString(base62, tokenIdLength);
  return { tokenId, token: `${apiTokenPrefix}${tokenId}${randomString(base62, tokenSecretLength)}` };
}

/** The public id of a token of the right shape, or undefined. */
export function tokenIdOf(token: string): string | undefined {
  if (!token.startsWith(apiTokenPrefix) || token.length !== apiTokenPrefix.length + tokenIdLength + tokenSecretLength) return undefined;
  const id = token.slice(apiTokenPrefix.length, apiTokenPrefix.length + tokenIdLength);
  return /^[A-Za-z0-9]+$/.test(id) ? id : undefined;
}

/** 32 random bytes, base64url: session ids, CSRF tokens, login-link tokens. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Compares two hex digests in time independent of where they differ. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

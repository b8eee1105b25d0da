import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretBox } from '@loam/core/ports/secret-box';

/** The key file's name inside the data directory. */
export const serverKeyFile = 'server.key';
/**
 * The way out for a data directory whose key file is lost for good: deletes the stored access keys no key
 * can open any more (compose/forget-unreadable-keys.ts), so the server starts; their users create new ones.
 */
export const forgetUnreadableKeysCommand = 'loam admin forget-unreadable-access-keys';
const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const version = 'v1';
/** Binds the ciphertext to its format version, so a future format cannot be confused with this one. */
const aad = Buffer.from(`loam-secret-box:${version}`, 'utf8');

/**
 * AES-256-GCM with a random 96-bit IV per seal. Output: `v1.<iv>.<tag>.<ciphertext>`, each part
 * base64url. Opening checks the tag, so altered or foreign input throws instead of decrypting wrong.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== keyBytes) throw new Error(`A secret-box key must be ${keyBytes} bytes; got ${key.length}.`);
  const k = Buffer.from(key);
  return {
    seal(plaintext: string): string {
      const iv = randomBytes(ivBytes);
      const c = createCipheriv('aes-256-gcm', k, iv, { authTagLength: tagBytes });
      c.setAAD(aad);
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return [version, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed: string): string {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 4 || parts[0] !== version) {
        throw new Error(`Sealed secret is not in a known format (expected '${version}.<iv>.<tag>.<ciphertext>').`);
      }
      const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
      if (iv.length !== ivBytes || tag.length !== tagBytes) throw new Error('Sealed secret is malformed (bad IV or tag length).');
      try {
        const d = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: tagBytes });
        d.setAAD(aad);
        d.setAuthTag(tag);
        return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
      } catch {
        throw new Error(`Sealed secret failed authentication: it was altered, or sealed with another ${serverKeyFile}.`);
      }
    },
  };
}

/**
 * The server's SecretBox, keyed by `<dataDir>/server.key`: 32 random bytes, created with mode 0600
 * on first start. Creation is atomic (write a temp file, then hard-link it into place), so two
 * servers starting together agree on one key. Losing the file makes stored access-key secrets
 * unreadable (the server then refuses to start until `loam admin forget-unreadable-access-keys` deletes
 * them); back it up with the data directory.
 *
 * @throws Error when an existing key file is not exactly 32 bytes.
 */
export function openSecretBox(dataDir: string): SecretBox {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, serverKeyFile);
  let key = readKey(file);
  if (key === undefined) {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, randomBytes(keyBytes), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    key = readKey(file) as Buffer;
  }
  // The key must stay private even if someone loosened the mode by hand.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return createSecretBox(key);
}

function readKey(file: string): Buffer | undefined {
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (key.length !== keyBytes) {
    throw new Error(`${file} must hold exactly ${keyBytes} bytes (it holds ${key.length}); restore it from a backup, or, if it is lost for good, remove it and run \`${forgetUnreadableKeysCommand}\` (it deletes the stored access keys it sealed).`);
  }
  return key;
}

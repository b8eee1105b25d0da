import { createDecipheriv } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox, openSecretBox } from './secret-box.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'loam-secret-box-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s, 'base64url');

describe('openSecretBox', () => {
  it('creates a 32-byte server.key with mode 0600 on first start, and reuses it', () => {
    const dir = join(tempDir(), 'data');
    const box = openSecretBox(dir);
    const key = readFileSync(join(dir, 'server.key'));
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['server.key']);
    const sealed = box.seal('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const again = openSecretBox(dir);
    expect(readFileSync(join(dir, 'server.key'))).toEqual(key);
    expect(again.open(sealed)).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  });

  it('seals as AES-256-GCM in the documented v1.<iv>.<tag>.<ct> layout', () => {
    const dir = tempDir();
    const box = openSecretBox(dir);
    const sealed = box.seal('héllo, 世界');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    // Decrypt by hand from the key file, independently of the box.
    const [, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const d = createDecipheriv('aes-256-gcm', readFileSync(join(dir, 'server.key')), b64(iv));
    d.setAAD(Buffer.from('loam-secret-box:v1'));
    d.setAuthTag(b64(tag));
    expect(Buffer.concat([d.update(b64(ct)), d.final()]).toString('utf8')).toBe('héllo, 世界');
  });

  it('uses a fresh IV for every seal, and round-trips any text', () => {
    const box = openSecretBox(tempDir());
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    for (const s of ['', 'same', 'x'.repeat(10_000), '🔑\u0000\n']) expect(box.open(box.seal(s))).toBe(s);
  });

  it('refuses altered, foreign and malformed input', () => {
    const box = openSecretBox(tempDir());
    const other = openSecretBox(tempDir());
    const sealed = box.seal('secret value');
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flip = (s: string) => {
      const buf = b64(s);
      buf[0] = (buf[0] as number) ^ 1;
      return buf.toString('base64url');
    };
    for (const bad of [
      [v, iv, tag, flip(ct)].join('.'),
      [v, iv, flip(tag), ct].join('.'),
      [v, flip(iv), tag, ct].join('.'),
    ]) {
      expect(() => box.open(bad)).toThrow(/failed authentication/);
    }
    expect(() => other.open(sealed)).toThrow(/failed authentication/);
    expect(() => box.open(sealed.replace(/^v1/, 'v2'))).toThrow(/known format/);
    expect(() => box.open('secret value')).toThrow(/known format/);
    expect(() => box.open([v, iv, tag].join('.'))).toThrow(/known format/);
    expect(() => box.open([v, 'AAAA', tag, ct].join('.'))).toThrow(/malformed/);
  });

  it('refuses a key file of the wrong size, and tightens a loosened mode', () => {
    const bad = tempDir();
    writeFileSync(join(bad, 'server.key'), Buffer.alloc(16));
    expect(() => openSecretBox(bad)).toThrow(/exactly 32 bytes \(it holds 16\)/);
    const loose = tempDir();
    openSecretBox(loose);
    chmodSync(join(loose, 'server.key'), 0o644);
    openSecretBox(loose);
    expect(statSync(join(loose, 'server.key')).mode & 0o777).toBe(0o600);
  });

  it('createSecretBox insists on a 32-byte key', () => {
    expect(() => createSecretBox(Buffer.alloc(31))).toThrow(/32 bytes/);
  });
});

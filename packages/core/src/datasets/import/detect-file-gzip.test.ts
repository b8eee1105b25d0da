import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFile, gzipCap } from './detect-file.js';

// reliability.md S14: a gzip dataset is read whole before import, so a bomb (a few MB of one repeated
// row, expanding ~1000×) held ImportDatasetVersion for minutes per GB. It is refused once it expands
// past the cap, before anything is stored.
const dir = mkdtempSync(join(tmpdir(), 'loam-gz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gz(name: string, text: string): { path: string; size: number } {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(Buffer.from(text), { level: 9 }));
  return { path, size: statSync(path).size };
}

describe('detectFile on gzip', () => {
  it('caps what a gzip file may expand to at 100× its size, at least 1 GiB', () => {
    expect(gzipCap(1000)).toBe(1024 ** 3);
    expect(gzipCap(50 * 1024 ** 2)).toBe(5000 * 1024 ** 2);
  });

  it('refuses a CSV that expands past the cap, naming both sizes', async () => {
    const bomb = gz('bomb.csv.gz', `a,b\n${'1,2\n'.repeat(1_000_000)}`);
    expect(bomb.size).toBeLessThan(40_000);
    const err = await detectFile(bomb.path, bomb.size, { maxGzipBytes: 1_000_000 }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'ValidationException' });
    expect(err?.message).toBe(`The file expands to more than 1000000 bytes when decompressed (it has ${bomb.size}): refused as a gzip bomb; import it uncompressed or split it.`);
  });

  it('refuses JSON Lines the same way', async () => {
    const bomb = gz('bomb.jsonl.gz', '{"a":1}\n'.repeat(500_000));
    await expect(detectFile(bomb.path, bomb.size, { maxGzipBytes: 1_000_000 })).rejects.toThrow(/refused as a gzip bomb/);
  });

  it('reads a gzip file under the cap', async () => {
    const ok = gz('ok.csv.gz', `a,b\n${'1,2\n'.repeat(1000)}`);
    const d = await detectFile(ok.path, ok.size, { maxGzipBytes: 1_000_000 });
    expect(d.records).toBe(1001);
    expect(d.source).toMatchObject({ compression: 'gzip', format: 'csv' });
  });
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTarGz, type TarEntry } from '@loam/testkit/fixtures/hostile-tar';
import { ArchiveRefused, DEFAULT_ARCHIVE_LIMITS, extractTarGz } from './archive-extract.js';

// reliability.md S3/S14: an archive whose entries leave the target, or a bomb, is refused as a whole
// before anything is written; what is extracted is owner-only.
const root = mkdtempSync(join(tmpdir(), 'loam-archive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function attempt(entries: TarEntry[], limits = DEFAULT_ARCHIVE_LIMITS): Promise<{ error: unknown; into: string; outside: string }> {
  const base = join(root, String(n++));
  const into = join(base, 'a', 'b', 'target');
  mkdirSync(into, { recursive: true });
  const archive = join(base, 'x.tar.gz');
  await writeTarGz(archive, [{ name: 'model.json', body: '{}' }, ...entries]);
  const error = await extractTarGz(archive, into, limits).then(() => undefined, (e: unknown) => e);
  return { error, into, outside: base };
}

const planted = (base: string) => readdirSync(base, { recursive: true }).map(String).filter((p) => p.includes('escape'));

describe('extractTarGz refuses an entry that would leave the directory', () => {
  it.each<[string, TarEntry, RegExp]>([
    ['a ../ name', { name: '../../escape.txt', body: 'x' }, /entry '\.\.\/\.\.\/escape\.txt' has a '\.\.' segment/],
    ['a ../ in the middle', { name: 'a/../../../escape.txt', body: 'x' }, /'\.\.' segment/],
    ['an absolute name', { name: '/tmp/escape.txt', body: 'x' }, /is an absolute path/],
    ['a backslash ..\\ name', { name: '..\\..\\escape.txt', body: 'x' }, /'\.\.' segment/],
  ])('%s', async (_what, entry, message) => {
    const { error, into, outside } = await attempt([entry, { name: 'after.txt', body: 'y' }]);
    expect(error).toBeInstanceOf(ArchiveRefused);
    expect((error as Error).message).toMatch(message);
    expect(readdirSync(into)).toEqual([]); // nothing written, not even the good entries before it
    expect(planted(outside)).toEqual([]);
    expect(existsSync('/tmp/escape.txt')).toBe(false);
  });
});

describe('extractTarGz bounds what an archive may expand to', () => {
  it('refuses more entries than the limit, before writing any', async () => {
    const many = Array.from({ length: 11 }, (_, i): TarEntry => ({ name: `f${i}`, body: '' }));
    const { error, into } = await attempt(many, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 });
    expect((error as Error).message).toBe('it has more than 10 entries');
    expect(readdirSync(into)).toEqual([]);
  });

  it('refuses an archive expanding beyond the ratio above the floor', async () => {
    const { error, into } = await attempt([{ name: 'zeros.bin', zeros: 200_000 }], { ...DEFAULT_ARCHIVE_LIMITS, ratioFloorBytes: 100_000, maxRatio: 10 });
    expect((error as Error).message).toMatch(/^it expands to more than \d+ bytes/);
    expect(readdirSync(into)).toEqual([]);
  });

  it('refuses an archive larger than the free disk space', async () => {
    const { error } = await attempt([{ name: 'zeros.bin', zeros: 1000 }], { ...DEFAULT_ARCHIVE_LIMITS, reserveBytes: Number.MAX_SAFE_INTEGER });
    expect((error as Error).message).toMatch(/^it expands to more than the 0 bytes the disk can take \(free space less \d+ bytes kept free\); free disk space/);
  });
});

describe('extractTarGz on a well-formed archive', () => {
  it('writes files 0600 and directories 0700, and skips links that stay inside', async () => {
    const { error, into } = await attempt([
      { name: 'code/', type: 'dir', mode: 0o777 },
      { name: 'code/run.sh', body: 'echo hi', mode: 0o777 },
      { name: 'code/data.txt', body: 'd', mode: 0o666 },
      { name: 'latest', type: 'symlink', linkTo: 'model.json' },
    ]);
    expect(error).toBeUndefined();
    expect(readFileSync(join(into, 'model.json'), 'utf8')).toBe('{}');
    expect(statSync(join(into, 'code')).mode & 0o777).toBe(0o700);
    expect(statSync(join(into, 'code/run.sh')).mode & 0o777).toBe(0o700);
    expect(statSync(join(into, 'code/data.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(into, 'model.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(into, 'latest'))).toBe(false);
  });

  it('skips links that point out too (a virtualenv in a source directory still unpacks), creating none', async () => {
    const { error, into, outside } = await attempt([
      { name: '.venv/bin/python', type: 'symlink', linkTo: '/usr/bin/python3' },
      { name: 'escape', type: 'symlink', linkTo: '../../..' },
      { name: 'escape-hard', type: 'hardlink', linkTo: '../../x.tar.gz' },
      { name: 'train.py', body: 'print(1)' },
    ]);
    expect(error).toBeUndefined();
    expect(readFileSync(join(into, 'train.py'), 'utf8')).toBe('print(1)');
    expect(existsSync(join(into, '.venv/bin/python'))).toBe(false);
    expect(planted(outside)).toEqual([]);
  });

  it('unpacks an archive with no entry (an empty model directory\'s model.tar.gz, or nothing gzipped) to nothing', async () => {
    for (const bytes of [Buffer.alloc(1024), Buffer.alloc(0)]) {
      const base = join(root, String(n++));
      const archive = join(base, 'empty.tar.gz');
      mkdirSync(base, { recursive: true });
      writeFileSync(archive, gzipSync(bytes));
      await extractTarGz(archive, join(base, 'into'));
      expect(readdirSync(join(base, 'into'))).toEqual([]);
    }
    // Not a tar at all is still tar's error.
    const bad = join(root, 'not-a-tar.tar.gz');
    writeFileSync(bad, gzipSync(Buffer.from('hello')));
    await expect(extractTarGz(bad, join(root, 'not-into'))).rejects.toThrow(/TAR_BAD_ARCHIVE|Unrecognized archive format/);
  });
});

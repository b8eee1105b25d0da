import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles } from './archives.js';

const root = mkdtempSync(join(tmpdir(), 'loam-archives-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('listFiles', () => {
  it('lists files in S3 key order (UTF-8 bytes), not UTF-16 order: a full-width letter before an emoji', () => {
    const dir = mkdtempSync(join(root, 'order-'));
    // UTF-16 puts U+1F600 (surrogates D83D DE00) before U+FF21; their UTF-8 bytes (F0 9F 98 80 > EF BC A1) do not.
    const names = ['\u{1F600}.csv', '\uFF21.csv', 'b.csv', 'a/\u{1F600}.csv', 'a/\uFF21.csv', 'a/z.csv'];
    mkdirSync(join(dir, 'a'));
    for (const n of names) writeFileSync(join(dir, n), n);
    const want = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(want).toEqual(['a/z.csv', 'a/\uFF21.csv', 'a/\u{1F600}.csv', 'b.csv', '\uFF21.csv', '\u{1F600}.csv']);
    expect(listFiles(dir)).toEqual(want);
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { ArchiveRefused, DEFAULT_ARCHIVE_LIMITS } from './archive-extract.js';
import { download, type Artifacts } from './artifacts.js';
import { stageChannel } from './stage-inputs.js';

// reliability.md S14: a Gzip channel is decompressed onto the host's disk while staging, so a bomb (a
// few MB of zeros) filled it. Decompression now stops at the expansion cap and leaves no file.
const root = mkdtempSync(join(tmpdir(), 'loam-gz-channel-'));
let store: Artifacts;
beforeAll(async () => {
  store = await openArtifactStore({ type: 'local', root: join(root, 'store') });
  await store.ensureBucket('data');
  await store.put({ bucket: 'data', key: 'bomb/zeros.csv.gz' }, gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 }));
  await store.put({ bucket: 'data', key: 'ok/rows.csv.gz' }, gzipSync(Buffer.from('1,2\n'.repeat(100))));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('staging a Gzip channel', () => {
  it('stops a gzip object that expands past the cap and removes what it wrote', async () => {
    const file = join(root, 'a', 'zeros.csv');
    const small = { ...DEFAULT_ARCHIVE_LIMITS, ratioFloorBytes: 1024 * 1024, maxRatio: 10 };
    const err = await download(store, { bucket: 'data', key: 'bomb/zeros.csv.gz' }, file, true, undefined, small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveRefused);
    expect((err as Error).message).toMatch(/^it expands to more than 1048576 bytes/);
    expect(existsSync(file)).toBe(false);
  });

  it('with the default limits, gzip channels under the cap stage whole', async () => {
    const dir = join(root, 'ok');
    await stageChannel(store, { name: 'train', s3Uri: 's3://data/ok/', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'Gzip' } as never, dir, { index: 0, count: 1 });
    expect(readdirSync(dir)).toEqual(['rows.csv']);
    expect(readFileSync(join(dir, 'rows.csv'), 'utf8')).toBe('1,2\n'.repeat(100));
    // 8 MiB of zeros is ~8 KiB of gzip: over 100× its size, but under the 1 GiB floor, so it stages.
    const bomb = await stageChannel(store, { name: 'train', s3Uri: 's3://data/bomb/', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'Gzip' } as never, join(root, 'b'), { index: 0, count: 1 });
    expect(bomb).toBe(1);
  });
});

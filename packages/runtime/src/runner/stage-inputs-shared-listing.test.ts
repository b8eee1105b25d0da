import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { JobChannelSpec } from '@loam/contracts';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import type { Artifacts } from './artifacts.js';
import { isDiskFull } from './disk-full.js';
import { stageChannel } from './stage-inputs.js';

// The hosts of a multi-host job stage one after another (or side by side) while objects may still be
// written under a ShardedByS3Key channel's prefix. Dealt from one listing, as SageMaker shards a fixed
// listing, every object of it lands on exactly one host. Real files, a real (local) artifact store.
const root = mkdtempSync(join(tmpdir(), 'loam-shared-listing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.csv`);
let store: Artifacts;
let run = 0;
beforeEach(async () => {
  store = await openArtifactStore({ type: 'local', root: join(root, `store-${run++}`) });
  await store.ensureBucket('data');
  for (const n of names) await store.put({ bucket: 'data', key: `train/${n}` }, Buffer.from(`${n}\n`));
  await store.put({ bucket: 'data', key: 'm.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://data/train/' }, ...names])));
});

const channel = (over: Partial<JobChannelSpec> = {}): JobChannelSpec => ({
  name: 'train', s3Uri: 's3://data/train/', s3DataType: 'S3Prefix', distribution: 'ShardedByS3Key', compression: 'None', inputMode: 'File', recordWrapper: 'None', ...over,
});

/** Host `index` of 3 stages `spec` into a directory of its own and returns the files it got. */
async function stage(spec: JobChannelSpec, index: number, listingDir: string): Promise<string[]> {
  const dir = join(root, `host-${run++}`);
  await stageChannel(store, spec, dir, { index, count: 3, listingDir });
  return readdirSync(dir).sort();
}

/** Hosts 0, 1 and 2 stage in turn; `between` runs after host 0 has staged. */
async function threeHosts(spec: JobChannelSpec, between: () => Promise<unknown>): Promise<string[][]> {
  const listingDir = join(root, `listings-${run++}`);
  const first = await stage(spec, 0, listingDir);
  await between();
  return [first, await stage(spec, 1, listingDir), await stage(spec, 2, listingDir)];
}

describe('a ShardedByS3Key channel of a multi-host job', () => {
  for (const [what, spec] of [['shuffled', channel({ shuffleSeed: 7 })], ['in key order', channel()]] as const) {
    it(`deals every listed object to exactly one host when an object is written while hosts stage (${what})`, async () => {
      const shards = await threeHosts(spec, () => store.put({ bucket: 'data', key: 'train/f00a.csv' }, Buffer.from('late\n')));
      expect(shards.flat().sort()).toEqual(names);
    });
  }

  it('deals a ManifestFile\'s entries from one reading of it when the manifest is rewritten while hosts stage', async () => {
    const spec = channel({ s3Uri: 's3://data/m.json', s3DataType: 'ManifestFile', shuffleSeed: 3 });
    const shards = await threeHosts(spec, () => store.put({ bucket: 'data', key: 'm.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://data/train/' }, ...names.slice(1)]))));
    expect(shards.flat().sort()).toEqual(names);
  });

  it('agrees that a prefix is empty: a host that finds objects written since deals none of them', async () => {
    const spec = channel({ s3Uri: 's3://data/empty/' });
    const listingDir = join(root, `listings-${run++}`);
    await expect(stage(spec, 0, listingDir)).rejects.toThrow("Channel 'train': no data found at s3://data/empty/.");
    await store.put({ bucket: 'data', key: 'empty/x.csv' }, Buffer.from('x\n'));
    await expect(stage(spec, 1, listingDir)).rejects.toThrow("Channel 'train': no data found at s3://data/empty/.");
  });

  it('lists again for another attempt (another listing directory): the object written since is dealt then', async () => {
    const spec = channel({ shuffleSeed: 7 });
    await threeHosts(spec, () => store.put({ bucket: 'data', key: 'train/f00a.csv' }, Buffer.from('late\n')));
    const next = await threeHosts(spec, async () => {});
    expect(next.flat().sort()).toEqual([...names, 'f00a.csv'].sort());
  });

  it('keeps the listing as one JSON line per object, in key order before any shuffle', async () => {
    const listingDir = join(root, `listings-${run++}`);
    await stage(channel({ shuffleSeed: 7 }), 1, listingDir);
    const [file, ...others] = readdirSync(listingDir);
    expect(others).toEqual([]);
    const lines = readFileSync(join(listingDir, file as string), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string });
    expect(lines.map((l) => l.key)).toEqual(names.map((n) => `train/${n}`));
  });

  it('shares the listing of an input with the longest name a processing job takes (256 characters, not ASCII)', async () => {
    const listingDir = join(root, `listings-${run++}`);
    const spec = channel({ name: '\u00e9'.repeat(256), shuffleSeed: 5 });
    const shards = [await stage(spec, 0, listingDir), await stage(spec, 1, listingDir), await stage(spec, 2, listingDir)];
    expect(shards.flat().sort()).toEqual(names);
    expect(readdirSync(listingDir).length).toBe(1);
  });

  it('deals keys in S3\'s order, by UTF-8 bytes (a full-width letter before an emoji)', async () => {
    await store.put({ bucket: 'data', key: 'u/\uFF21.csv' }, Buffer.from('a\n'));
    await store.put({ bucket: 'data', key: 'u/\u{1F600}.csv' }, Buffer.from('b\n'));
    const listingDir = join(root, `listings-${run++}`);
    const dir = join(root, `host-${run++}`);
    await stageChannel(store, channel({ s3Uri: 's3://data/u/' }), dir, { index: 0, count: 2, listingDir });
    expect(readdirSync(dir)).toEqual(['\uFF21.csv']);
  });
});

describe.skipIf(!canMountTmpfs)('a shared listing on a full disk (needs root to mount a tmpfs)', () => {
  it('fails staging as a full disk, leaves no part-written listing, and a host staging once space is back lists again', async () => {
    // Longer than a write stream's buffer (16 KiB): the write waits for the disk and meets ENOSPC then.
    const many = Array.from({ length: 2000 }, (_, i) => `part-${String(i).padStart(5, '0')}-${'x'.repeat(40)}.csv`);
    await store.put({ bucket: 'data', key: 'big.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://data/train/' }, ...many])));
    const spec = channel({ s3Uri: 's3://data/big.json', s3DataType: 'ManifestFile' });
    const fs = smallTmpfs(1);
    const listingDir = join(fs.dir, 'listings');
    fs.fill();
    const failed = await stageChannel(store, spec, join(root, `host-${run++}`), { index: 0, count: 2, listingDir }).then(() => undefined, (e: unknown) => e);
    expect(isDiskFull(failed)).toBe(true);
    expect(readdirSync(listingDir)).toEqual([]);
    fs.free();
    // Host 1 finds no listing: it lists, publishes and deals its half (the objects are not there: a ClientError naming one).
    await expect(stageChannel(store, spec, join(root, `host-${run++}`), { index: 1, count: 2, listingDir })).rejects.toThrow(`s3://data/train/${many[1]} does not exist`);
    expect(readdirSync(listingDir).length).toBe(1);
  }, 30_000);
});

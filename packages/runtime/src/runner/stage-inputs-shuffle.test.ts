import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { JobChannelSpec } from '@loam/contracts';
import type { Artifacts } from './artifacts.js';
import { seededShuffle, stageChannel } from './stage-inputs.js';

// Channel.ShuffleConfig: SageMaker shuffles a channel's objects with the seed before ShardedByS3Key
// deals them to hosts. Staged here on real files from a real (local) artifact store.
const root = mkdtempSync(join(tmpdir(), 'loam-shuffle-channel-'));
const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.csv`);
let store: Artifacts;
beforeAll(async () => {
  store = await openArtifactStore({ type: 'local', root: join(root, 'store') });
  await store.ensureBucket('data');
  for (const n of names) await store.put({ bucket: 'data', key: `train/${n}` }, Buffer.from(`${n}\n`));
  // The manifest lists the same files in reverse: a shuffle starts from the manifest's order, not key order.
  await store.put({ bucket: 'data', key: 'm.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://data/train/' }, ...[...names].reverse()])));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const channel = (over: Partial<JobChannelSpec> = {}): JobChannelSpec => ({
  name: 'train', s3Uri: 's3://data/train/', s3DataType: 'S3Prefix', distribution: 'ShardedByS3Key', compression: 'None', inputMode: 'File', recordWrapper: 'None', ...over,
});

let run = 0;
/** The files each of `count` hosts finds in its channel directory. */
async function shards(spec: JobChannelSpec, count: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let index = 0; index < count; index++) {
    const dir = join(root, `run-${run++}`);
    await stageChannel(store, spec, dir, { index, count });
    out.push(readdirSync(dir).sort());
  }
  return out;
}

/** The permutation of 0…n-1 for `seed`, computed by an independent Python implementation of the documented algorithm. */
function pythonPermutation(n: number, seed: string): number[] {
  const program = [
    'import json, sys',
    'n, seed = int(sys.argv[1]), int(sys.argv[2])',
    'M = (1 << 64) - 1',
    'state = seed & M',
    'def nxt():',
    '    global state',
    '    state = (state + 0x9E3779B97F4A7C15) & M',
    '    z = state',
    '    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M',
    '    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M',
    '    return z ^ (z >> 31)',
    'a = list(range(n))',
    'for i in range(n - 1, 0, -1):',
    '    j = nxt() % (i + 1)',
    '    a[i], a[j] = a[j], a[i]',
    'print(json.dumps(a))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', program, String(n), seed], { encoding: 'utf8' })) as number[];
}

/** Host i of `count` gets the objects at positions i, i+count, … of `order`. */
const dealt = (order: readonly string[], count: number) => Array.from({ length: count }, (_, i) => order.filter((_, k) => k % count === i).sort());

describe('Channel.ShuffleConfig on a ShardedByS3Key channel', () => {
  it('deals the objects in the seed\'s order: the same for the same seed, unlike the unshuffled deal and another seed\'s', async () => {
    const plain = await shards(channel(), 3);
    expect(plain).toEqual(dealt(names, 3));
    const seeded = await shards(channel({ shuffleSeed: 7 }), 3);
    expect(seeded).toEqual(dealt(pythonPermutation(names.length, '7').map((i) => names[i] as string), 3));
    expect(seeded).not.toEqual(plain);
    // Every object lands on exactly one host.
    expect(seeded.flat().sort()).toEqual(names);
    expect(await shards(channel({ shuffleSeed: 7 }), 3)).toEqual(seeded);
    expect(await shards(channel({ shuffleSeed: 8 }), 3)).not.toEqual(seeded);
  });

  it('shuffles a ManifestFile\'s entries from the manifest\'s order', async () => {
    const reversed = [...names].reverse();
    const manifest = channel({ s3Uri: 's3://data/m.json', s3DataType: 'ManifestFile', shuffleSeed: 42 });
    expect(await shards(manifest, 2)).toEqual(dealt(pythonPermutation(names.length, '42').map((i) => reversed[i] as string), 2));
  });

  it('a FullyReplicated channel stages every object whatever the seed', async () => {
    expect(await shards(channel({ distribution: 'FullyReplicated', shuffleSeed: 7 }), 2)).toEqual([names, names]);
  });
});

describe('seededShuffle', () => {
  it('matches the reference for negative and 64-bit seeds (SageMaker\'s Seed is a Long)', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    for (const seed of [0, -1, -123456789, 2 ** 53, 2 ** 62]) {
      expect(seededShuffle(items, seed), String(seed)).toEqual(pythonPermutation(items.length, BigInt(seed).toString()));
    }
    expect(seededShuffle([], 3)).toEqual([]);
  });
});

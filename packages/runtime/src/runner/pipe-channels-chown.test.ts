import { linkSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { JobChannelSpec } from '@loam/contracts';
import type { Artifacts } from './artifacts.js';

// The data directory belongs to the image (the sandbox uid): between the runner making a FIFO and giving it
// to that uid, the image may put something else at its name. Played here deterministically: the swap happens
// at the runner's first look at the new FIFO by its path (after an lstat, before an open).
const race = vi.hoisted(() => ({ swap: undefined as ((path: string) => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const swapAt = (path: unknown) => {
    const swap = race.swap;
    if (swap && String(path).endsWith('/train_0')) {
      race.swap = undefined;
      swap(String(path));
    }
  };
  const lstatSync = ((path: string, ...rest: unknown[]) => {
    const st = (real.lstatSync as (...a: unknown[]) => unknown)(path, ...rest);
    swapAt(path);
    return st;
  }) as typeof real.lstatSync;
  const openSync = ((path: string, ...rest: unknown[]) => {
    swapAt(path);
    return (real.openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof real.openSync;
  return { ...real, default: { ...real, lstatSync, openSync }, lstatSync, openSync };
});
const { PipeInputs } = await import('./pipe-channels.js');

const root = mkdtempSync(join(tmpdir(), 'loam-pipe-chown-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const channel: JobChannelSpec = {
  name: 'train', s3Uri: 's3://data/t/', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'Pipe', recordWrapper: 'None',
};
const asRoot = process.getuid?.() === 0;

describe('PipeInputs giving a FIFO to the image', () => {
  it.skipIf(!asRoot)('never gives the image a file linked in place of the FIFO it made', () => {
    // A file of the machine's (root's), hard-linked by the image where train_0 was.
    const victim = join(root, 'victim');
    writeFileSync(victim, 'root only\n', { mode: 0o600 });
    const dataDir = mkdtempSync(join(root, 'data-'));
    race.swap = (path) => {
      unlinkSync(path);
      linkSync(victim, path);
    };
    let pipes: InstanceType<typeof PipeInputs> | undefined;
    let refused: unknown;
    try {
      pipes = new PipeInputs({
        store: {} as Artifacts, channels: [{ channel, planned: [{ bucket: 'data', key: 't/a', rel: 'a' }] }], host: { index: 0, count: 1 },
        dataDir, uid: 54321, log: () => {}, onError: () => {},
      });
    } catch (e) {
      refused = e;
    } finally {
      pipes?.close();
    }
    // The machine's file keeps its owner, and the job cannot go on with a FIFO that is not the one made.
    expect(statSync(victim).uid).toBe(0);
    expect((refused as Error | undefined)?.message).toMatch(/train_0 was replaced while it was being made/);
    expect(race.swap).toBeUndefined();
    expect(statSync(victim).uid).toBe(0);
  });
});

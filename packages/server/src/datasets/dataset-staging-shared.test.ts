import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { DatasetStaging, type ArtifactStore } from '@loam/core';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';

// Staging a dataset version is one copy shared by every request that needs it (GetDatasetSample,
// PreviewFlow, another user's import). Each request has its own signal — its client may hang up, a
// preview has a deadline — and one request leaving must not fail the others' copy.
let root: string;
let store: LocalFsArtifactStore;
const bytes = Buffer.from(`name,salary\n${Array.from({ length: 5000 }, (_, i) => `n${i},${i}`).join('\n')}\n`);

/**
 * The real store, with its reads held at a gate until the test opens it (so a request can leave
 * while the shared copy is in progress); records the signal each read was given.
 */
function gated(): { store: ArtifactStore; open: () => void; reads: (AbortSignal | undefined)[] } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reads: (AbortSignal | undefined)[] = [];
  const s = Object.create(store) as ArtifactStore;
  s.get = async (ref, options) => {
    reads.push(options?.signal);
    await gate;
    return store.get(ref, options);
  };
  return { store: s, open, reads };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'loam-staging-shared-'));
  store = await LocalFsArtifactStore.open({ root: join(root, 'artifacts') });
  await store.ensureBucket('loam-datasets');
  await store.put({ bucket: 'loam-datasets', key: 'datasets/d/v1/data.parquet' }, bytes);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('DatasetStaging shares one copy among its waiters', () => {
  // Each attempt stages into a directory of its own: a retry in the failed attempt's would find the copy made.
  it('a waiter that aborts stops waiting alone: the other still gets the staged bytes', async ({ task }) => {
    const g = gated();
    const staging = new DatasetStaging(g.store, join(root, nameForAttempt(task, 'work-1')));
    const uri = 's3://loam-datasets/datasets/d/v1/data.parquet';
    const first = new AbortController();
    const a = staging.stage(uri, 'DataUri', first.signal);
    const b = staging.stage(uri, 'DataUri', new AbortController().signal);
    while (g.reads.length === 0) await new Promise((r) => setTimeout(r, 5));
    first.abort(new Error('The client closed the connection before the request was answered.'));
    await expect(a).rejects.toThrow(/client closed the connection/);
    g.open();
    const got = await b;
    expect(got.size).toBe(bytes.length);
    expect(readFileSync(got.path).equals(bytes)).toBe(true);
    expect(g.reads).toHaveLength(1);
    expect(g.reads[0]?.aborted).toBe(false);
  }, 10_000);

  it('the copy is aborted once every waiter has gone, leaving nothing behind; a later request copies anew', async ({ task }) => {
    const g = gated();
    const dir = join(root, nameForAttempt(task, 'work-2'));
    const staging = new DatasetStaging(g.store, dir);
    const uri = 's3://loam-datasets/datasets/d/v1/data.parquet';
    const one = new AbortController();
    const two = new AbortController();
    const a = staging.stage(uri, 'DataUri', one.signal);
    const b = staging.stage(uri, 'DataUri', two.signal);
    while (g.reads.length === 0) await new Promise((r) => setTimeout(r, 5));
    one.abort(new Error('deadline one'));
    await expect(a).rejects.toThrow('deadline one');
    expect(g.reads[0]?.aborted).toBe(false);
    two.abort(new Error('deadline two'));
    await expect(b).rejects.toThrow('deadline two');
    expect(g.reads[0]?.aborted).toBe(true);
    // A request arriving before the abandoned copy has wound down starts its own.
    const again = staging.stage(uri, 'DataUri');
    g.open();
    expect(readFileSync((await again).path).equals(bytes)).toBe(true);
    expect(g.reads).toHaveLength(2);
    expect(g.reads[1]?.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.part'))).toEqual([]);
  }, 10_000);
});

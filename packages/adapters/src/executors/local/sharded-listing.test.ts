import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobChannelSpec, JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

// A two-host job's ShardedByS3Key channel is dealt from one listing its hosts share (the job directory's
// `listings/`), and each attempt lists afresh: a RetryStrategy attempt, started again under the same job
// id, deals the objects written since. Real runners, a real (local) artifact store.
let dir: string;
let artifacts: LocalFsArtifactStore;
let executor: LocalProcessExecutor;
const events = new Map<string, ExecutorEvent[]>();
const script = join(import.meta.dirname, '../../../../runtime/fixtures/scripts/contract_view.py');
const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `${k}.txt`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loam-sharded-listing-'));
  artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
  await artifacts.ensureBucket('conformance');
  for (const k of keys) await artifacts.put({ bucket: 'conformance', key: `shard/${k}` }, Buffer.from(k));
  executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', stopGraceSeconds: 2, pollIntervalMs: 50, maxConcurrentJobs: 4, cgroups: false });
  executor.onEvent((id, e) => events.set(id, [...(events.get(id) ?? []), e]));
});
afterAll(async () => {
  await executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const shard: JobChannelSpec = { name: 'shard', s3Uri: 's3://conformance/shard/', s3DataType: 'S3Prefix', distribution: 'ShardedByS3Key', compression: 'None', inputMode: 'File', recordWrapper: 'None', shuffleSeed: 11 };
const spec: JobSpec = conformanceSpec({ exit: 0 }, { name: 'sharded', instanceCount: 2, channels: [shard], image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: [script] }, metricDefinitions: [] });
const id = `training-job/${spec.name}`;
const listings = () => join(dir, 'jobs', 'training-job', spec.name, 'listings');

/** Runs one attempt of the job; the files each host found in its shard. */
async function attempt(): Promise<Record<string, string[]>> {
  events.delete(id);
  await executor.start(id, spec);
  const t0 = Date.now();
  while ((events.get(id) ?? []).filter((e) => e.type === 'exit').length < 2) {
    if (Date.now() - t0 > 40_000) throw new Error(`job ${id} did not end: ${JSON.stringify(events.get(id))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exits = (events.get(id) ?? []).filter((e): e is ExecutorEvent & { type: 'exit' } => e.type === 'exit');
  expect(exits.map((e) => e.outcome)).toEqual(['Completed', 'Completed']);
  const lines = (await executor.readLogs(id, { limit: 10_000 })).lines.filter((l) => l.line.startsWith('VIEW '));
  // The log holds every attempt's lines: the last view of each host is this attempt's.
  const views: Record<string, string[]> = {};
  for (const l of lines) views[l.host] = Object.keys((JSON.parse(l.line.slice(5)) as { channels: Record<string, Record<string, string>> }).channels['shard'] ?? {}).sort();
  return views;
}

describe('a two-host job with a ShardedByS3Key channel', () => {
  it('deals from one listing its hosts share; a new attempt lists again; release removes the listing', async () => {
    const first = await attempt();
    expect(Object.keys(first).sort()).toEqual(['algo-1', 'algo-2']);
    expect(Object.values(first).flat().sort()).toEqual(keys);
    const [file, ...others] = readdirSync(listings());
    expect(others).toEqual([]);
    expect(readFileSync(join(listings(), file as string), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { rel: string }).rel)).toEqual(keys);

    // Written after the first attempt listed: the retry (same job id) deals it.
    await artifacts.put({ bucket: 'conformance', key: 'shard/aa.txt' }, Buffer.from('late'));
    const retry = await attempt();
    expect(Object.values(retry).flat().sort()).toEqual([...keys, 'aa.txt'].sort());

    await executor.release(id);
    expect(existsSync(listings())).toBe(false);
  });
});

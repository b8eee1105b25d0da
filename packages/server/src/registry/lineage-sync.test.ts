import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';
import { artifactArn, jobsCollection, lineageSyncMarksCollection, LineageSync, silentLogger, systemClock, type MetadataStore } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { allCollections } from '../compose/platform.js';
import { job, NotingRecorder, partition, seedJobs, T0 } from './lineage-sync.test-support.js';

/*
 * The lineage sync over a store whose jobs have no edges (seeded straight into SQLite, or upgraded from
 * before the sync): its first pass records every job's edges. It held the event loop (and with it every
 * request) for the whole pass, 94 s over 20,000 jobs, and a process killed during it started over.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'loam-lineage-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const open = (name: string) => openSqlMetadataStore({ url: `sqlite:${join(dir, name)}`, collections: allCollections });
const pgUrl = process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `loam_test_${randomBytes(6).toString('hex')}`;
async function dropSchema(): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.query(`drop schema if exists ${pgSchema} cascade`).finally(() => client.end());
}
afterAll(dropSchema);
// A retry starts on new databases: the failed attempt's jobs and marks are in the old files and schema.
beforeRetry(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  await dropSchema();
});

/** Every job's edges: its channel's data → the job → its model artifact. */
async function expectEdgesOfEveryJob(store: MetadataStore, n: number): Promise<void> {
  const missing: string[] = [];
  for (let i = 0; i < n; i++) {
    const j = job(i);
    const up = (await store.lineage.edges(j.arn, 'upstream')).map((e) => e.sourceArn);
    const down = (await store.lineage.edges(j.arn, 'downstream')).map((e) => e.destinationArn);
    if (!up.includes(artifactArn(partition, j.spec.channels[0]!.s3Uri)) || !down.includes(artifactArn(partition, j.modelArtifacts!))) missing.push(j.name);
  }
  expect(missing).toEqual([]);
}

describe('lineage sync over jobs without edges', () => {
  it('serves store reads between its batches, and records every job', async () => {
    const store = await open('yields.db');
    try {
      await seedJobs(store, 600);
      const sync = new LineageSync({ store, partition, clock: systemClock, recorder: new NotingRecorder(store), logger: silentLogger, batchSize: 50 });
      let syncing = true;
      let reads = 0;
      // A client's request: a read whenever the event loop gets a turn, while the pass runs.
      const client = (async () => {
        while (syncing) {
          await new Promise((r) => setTimeout(r, 1));
          if (syncing && (await store.collection(jobsCollection).get(job(7).id))) reads++;
        }
      })();
      await sync.syncOnce();
      syncing = false;
      await client;
      // 600 jobs in batches of 50: at least one read between each two.
      expect(reads).toBeGreaterThanOrEqual(11);
      await expectEdgesOfEveryJob(store, 600);
      expect((await store.collection(lineageSyncMarksCollection).get('jobs'))?.value.watermark).toBe(T0 + 599 * 3600);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a process killed mid-pass: the next one records only the jobs it had not committed, and every job ends with its edges', async () => {
    const n = 1000;
    const seeded = await open('crash.db');
    await seedJobs(seeded, n);
    await seeded.close();
    const child = spawn(process.execPath, ['--conditions=loam-src', '--import', 'tsx', join(here, 'lineage-sync-crash.test-support.ts'), `sqlite:${join(dir, 'crash.db')}`], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await expect.poll(() => out, { timeout: 60_000, interval: 20 }).toContain('ready');
    // Kill it once a quarter of the jobs are committed (the mark says so), wherever it is then.
    const store = await open('crash.db');
    try {
      const marks = store.collection(lineageSyncMarksCollection);
      await expect.poll(async () => (await marks.get('jobs'))?.value.watermark ?? 0, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(T0 + 250 * 3600);
      child.kill('SIGKILL');
      expect(await exited, `stdout: ${out} stderr: ${err}`).toBe('SIGKILL');
      expect(out).not.toContain('done');
      const mark = (await marks.get('jobs'))!.value.watermark;
      expect(mark).toBeLessThan(T0 + (n - 1) * 3600);

      const recorder = new NotingRecorder(store);
      await new LineageSync({ store, partition, clock: systemClock, recorder, logger: silentLogger }).syncOnce();
      // Resumed at the mark less the lag (10 minutes: the one job at the mark), not from the first job.
      const expected = Array.from({ length: n }, (_, i) => job(i)).filter((j) => j.lastModifiedTime >= mark - 600).map((j) => j.arn);
      expect([...recorder.inputsOf].sort()).toEqual(expected.sort());
      await expectEdgesOfEveryJob(store, n);
      expect((await marks.get('jobs'))?.value.watermark).toBe(T0 + (n - 1) * 3600);
    } finally {
      child.kill('SIGKILL');
      await store.close();
    }
  }, 180_000);
});

describe('lineage sync: two servers sharing one PostgreSQL database', () => {
  it('start their passes at once without a stored mark: both passes succeed, and the mark is the last job', async () => {
    // Each server opens its own store (its own pool) on the one schema.
    const [a, b] = [await openSqlMetadataStore({ url: pgUrl, schema: pgSchema, collections: allCollections }), await openSqlMetadataStore({ url: pgUrl, schema: pgSchema, collections: allCollections })];
    try {
      const n = 100;
      // Jobs that failed before reading anything: no edges, so a batch writes nothing but the mark
      // (as every batch of a store whose edges were recorded before this Loam kept marks).
      await a.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          const { modelArtifacts: _, ...j } = job(i);
          await tx.collection(jobsCollection).insert({ ...j, status: 'Failed', spec: { ...j.spec, channels: [] } });
        }
      });
      const marks = a.collection(lineageSyncMarksCollection);
      const failures: unknown[] = [];
      for (let round = 0; round < 10; round++) {
        await marks.delete('jobs');
        // Two servers starting (or a QueryLineage on each): each pass's first batch writes the first mark.
        const passes = [a, b].map((store) => new LineageSync({ store, partition, clock: systemClock, recorder: new NotingRecorder(store), logger: silentLogger }).syncOnce());
        for (const r of await Promise.allSettled(passes)) if (r.status === 'rejected') failures.push(r.reason);
      }
      expect(failures).toEqual([]);
      expect((await marks.get('jobs'))?.value.watermark).toBe(T0 + (n - 1) * 3600);
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});

describe('lineage sync: a job whose write committed after a later-timed one', () => {
  it('is read again from the watermark less the lag within the process: its edges are recorded, and a pass with nothing new writes nothing', async () => {
    const store = await open('late.db');
    try {
      const jobs = store.collection(jobsCollection);
      const marks = store.collection(lineageSyncMarksCollection);
      const recorder = new NotingRecorder(store);
      const sync = new LineageSync({ store, partition, clock: systemClock, recorder, logger: silentLogger });
      let transactions = 0;
      const transaction = store.transaction.bind(store);
      store.transaction = (fn) => (transactions++, transaction(fn));
      // A's time is taken first, B's after it; B's write commits first and a pass moves the watermark to B's time.
      const a = { ...job(0), lastModifiedTime: T0 + 60 };
      const b = { ...job(1), lastModifiedTime: T0 + 120 };
      await jobs.insert(b);
      await sync.syncOnce();
      expect((await marks.get('jobs'))?.value.watermark).toBe(T0 + 120);
      await jobs.insert(a);
      await sync.syncOnce();
      await expectEdgesOfEveryJob(store, 2);
      expect((await marks.get('jobs'))?.value.watermark).toBe(T0 + 120);

      // Nothing new: the jobs read again at the version recorded are passed over, the mark is left as it is.
      const mark = (await marks.get('jobs'))!;
      recorder.inputsOf.clear();
      transactions = 0;
      await sync.syncOnce();
      expect([...recorder.inputsOf]).toEqual([]);
      expect(transactions).toBe(0);
      expect((await marks.get('jobs'))?.version).toBe(mark.version);

      // A new version of A (its time unchanged) is read again.
      const cur = (await jobs.get(a.id))!;
      await jobs.update(a.id, cur.version, { ...cur.value, modelArtifacts: 's3://seed/output/again/model.tar.gz' });
      await sync.syncOnce();
      expect([...recorder.inputsOf]).toEqual([a.arn]);
      expect((await marks.get('jobs'))?.version).toBe(mark.version);
    } finally {
      await store.close();
    }
  });
});

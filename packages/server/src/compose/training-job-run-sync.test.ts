import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { LocalFsArtifactStore, openSqlExperimentStore, openSqlMetadataStore } from '@loam/adapters';
import {
  jobCollections, jobsCollection, systemClock, TrackingArtifacts, TrackingService, TrainingJobRuns, TrainingJobRunSync, RUN_SYNC_SKIPPED_TAG, JOB_NAME_TAG,
  type ExperimentStore, type JobRecord, type Logger, type MetadataStore,
} from '@loam/core';

// The training job → MLflow run sync follows jobs in order. A job whose run can never be recorded (its
// experiment was deleted) was retried every pass, forever, and no later job got its run.

const dir = mkdtempSync(join(tmpdir(), 'loam-run-sync-'));
let store: MetadataStore;
let experiments: ExperimentStore;
let tracking: TrackingService;
const partition = { region: 'us-east-1', accountId: '000000000000' };
const errors: { fields: Record<string, unknown>; message: string }[] = [];
/** The log sink: error lines kept, the rest dropped. */
const logger: Logger = { debug() {}, info() {}, warn() {}, error: (fields, message) => void errors.push({ fields: fields as Record<string, unknown>, message }), child: () => logger };

async function start(): Promise<void> {
  errors.length = 0; // a retry's: not the failed attempt's
  store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: jobCollections });
  experiments = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
  tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') })) });
}
async function stop(): Promise<void> {
  await experiments?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
}
serverPerAttempt(start, stop);

let clock = 1_800_000_000;
async function job(name: string, experimentName: string): Promise<JobRecord> {
  const t = ++clock;
  const record = {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status: 'InProgress', secondaryStatus: 'Training', phase: 'running', creationTime: t, lastModifiedTime: t, startTime: t,
    request: { TrainingJobName: name, HyperParameters: { eta: '0.1' }, ExperimentConfig: { ExperimentName: experimentName } },
    spec: {}, transitions: [], finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {}, createdBy: 'admin',
  } as unknown as JobRecord;
  await store.collection(jobsCollection).insert(record);
  return record;
}

const runOf = async (name: string) => (await experiments.searchRuns({ experimentIds: [await tracking.store.getExperimentByName('ok').then((e) => e!.experimentId)], view: 'ALL', filter: [{ kind: 'tag', key: JOB_NAME_TAG, op: '=', value: name }], orderBy: [], offset: 0, limit: 1 }))[0];

describe('training job run sync: a job whose run cannot be recorded', () => {
  it('is skipped after a bounded number of passes (logged once, tagged with the reason), and later jobs get their runs; a restarted sync skips it at once', async () => {
    await tracking.createExperiment({ name: 'ok' });
    await tracking.deleteExperiment(await tracking.createExperiment({ name: 'gone' }));
    const bad = await job('in-deleted-experiment', 'gone');
    await job('after-it', 'ok');
    const sync = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition, store.lineage), logger, maxAttempts: 3 });

    // The first passes fail at the bad job (as before: the next pass retries it); the later job waits.
    for (let i = 0; i < 2; i++) await expect(sync.syncOnce()).rejects.toThrow(/gone|deleted|active/i);
    expect(await runOf('after-it')).toBeUndefined();
    expect(errors).toEqual([]);
    // The third failure in a row skips it: the pass goes on to the later job.
    expect(await sync.syncOnce()).toBe(1);
    expect((await runOf('after-it'))?.info.status).toBe('RUNNING');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.fields).toMatchObject({ trainingJobName: 'in-deleted-experiment', reason: expect.stringMatching(/gone|deleted|active/i) });
    const tags = await store.tags.list(bad.arn);
    expect(tags.find((t) => t.Key === RUN_SYNC_SKIPPED_TAG)?.Value).toMatch(/\w/);

    // Another server (or this one restarted) does not retry it every pass again, nor log it again.
    await job('later-still', 'ok');
    const restarted = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition, store.lineage), logger, maxAttempts: 3 });
    expect(await restarted.syncOnce()).toBe(2);
    expect(await runOf('later-still')).toBeDefined();
    expect(errors).toHaveLength(1);
  });
});

/**
 * A TCP proxy to PostgreSQL that can be taken away and brought back on the same port: the store becomes
 * unreachable for real. `cutAt(text, n)` takes it away as the n-th statement holding `text` is sent,
 * before the server sees it.
 */
function pgProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let cut: { text: string; left: number } | undefined;
  const up = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.on('data', (chunk: Buffer) => {
        if (cut && chunk.includes(cut.text) && --cut.left === 0) {
          cut = undefined;
          void down();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
    });
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as AddressInfo).port;
      resolve();
    });
  });
  const down = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server!.close(() => resolve());
  });
  const cutAt = (text: string, n: number) => void (cut = { text, left: n });
  return { up, down, cutAt, url: () => { const u = new URL(target); u.hostname = '127.0.0.1'; u.port = String(port); return u.toString(); } };
}

describe('training job run sync: the experiment store unavailable', () => {
  it('retries the job on every pass and never skips it; once the store is back the job gets its run', async () => {
    const target = new URL(process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test');
    const schema = `loam_test_${randomBytes(6).toString('hex')}`;
    const proxy = pgProxy(target);
    await proxy.up();
    const pgStore = await openSqlExperimentStore({ url: proxy.url(), schema, poolSize: 2 });
    try {
      const pgTracking = new TrackingService({ store: pgStore, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts-pg') })) });
      await pgTracking.createExperiment({ name: 'while-down' });
      const waiting = await job('waits-for-the-store', 'while-down');
      const sync = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(pgTracking, partition), logger, maxAttempts: 1 });
      const logged = errors.length;

      await proxy.down();
      for (let i = 0; i < 3; i++) await expect(sync.syncOnce()).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      expect(errors).toHaveLength(logged);
      // maxAttempts 1: a failure counted against any job would have skipped it at once.
      for (const { value } of (await store.collection(jobsCollection).list({})).items) {
        if (value.name !== 'in-deleted-experiment') expect((await store.tags.list(value.arn)).map((t) => t.Key)).not.toContain(RUN_SYNC_SKIPPED_TAG);
      }
      expect(waiting.name).toBe('waits-for-the-store');

      await proxy.up();
      await sync.syncOnce();
      const exp = await pgStore.getExperimentByName('while-down');
      const [run] = await pgStore.searchRuns({ experimentIds: [exp!.experimentId], view: 'ALL', filter: [{ kind: 'tag', key: JOB_NAME_TAG, op: '=', value: 'waits-for-the-store' }], orderBy: [], offset: 0, limit: 1 });
      expect(run?.info.status).toBe('RUNNING');
    } finally {
      await pgStore.close();
      await proxy.down().catch(() => undefined);
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: target.toString() });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });
});

describe('training job run sync: a metric append that fails part-way', () => {
  it('sends the same points again on the next pass: the run holds every point once, none lost', async () => {
    const target = new URL(process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test');
    const schema = `loam_test_${randomBytes(6).toString('hex')}`;
    const proxy = pgProxy(target);
    await proxy.up();
    const pgStore = await openSqlExperimentStore({ url: proxy.url(), schema, poolSize: 2 });
    try {
      const pgTracking = new TrackingService({ store: pgStore, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts-append') })) });
      await pgTracking.createExperiment({ name: 'appends' });
      const rec = await job('append-fails', 'appends');
      const jobs = store.collection(jobsCollection);
      // The job's series: point i at time t0 + i (epoch s), value 1 / (i + 1).
      const t0 = rec.startTime! + 1;
      const report = async (n: number) => {
        const cur = (await jobs.get(rec.id))!;
        await jobs.update(rec.id, cur.version, { ...cur.value, lastModifiedTime: ++clock, metricSeries: { 'train:loss': { points: Array.from({ length: n }, (_, i) => [t0 + i, 1 / (i + 1)] as const) } } });
      };
      const sync = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(pgTracking, partition), logger });
      await report(1);
      await sync.syncOnce();

      // 1,500 new points go in two log-batches; the store goes away as the second is sent, after the first committed.
      await report(1501);
      proxy.cutAt('insert into mlflow_metrics', 2);
      await expect(sync.syncOnce()).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      await proxy.up();
      // The pool may first hand out a connection the cut left dead: that pass fails as the store unavailable, as any request would.
      for (let pass = 1; ; pass++) {
        const failed = await sync.syncOnce().then(() => undefined, (e: unknown) => e);
        if (failed === undefined) break;
        expect(failed).toMatchObject({ code: 'ServiceUnavailable' });
        expect(pass).toBeLessThan(3);
      }
      await report(1502);
      await sync.syncOnce();

      const exp = await pgStore.getExperimentByName('appends');
      const [run] = await pgStore.searchRuns({ experimentIds: [exp!.experimentId], view: 'ALL', filter: [], orderBy: [], offset: 0, limit: 1 });
      const history = await pgStore.metricHistory(run!.info.runId, 'train:loss', { offset: 0, limit: 5000 });
      expect(history.length).toBe(1502);
      expect(history.every((p, i) => p.step === i && p.timestamp === (t0 + i) * 1000 && p.value === 1 / (i + 1))).toBe(true);
    } finally {
      await pgStore.close();
      await proxy.down().catch(() => undefined);
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: target.toString() });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });
});

describe('training job run sync: a job whose update committed after a later-timed one', () => {
  it('is read again from the watermark less the lag: its run gets the update, and recording it again duplicates nothing', async () => {
    const experimentId = await tracking.createExperiment({ name: 'late' });
    const jobs = store.collection(jobsCollection);
    const a = await job('late-a', 'late');
    const b = await job('late-b', 'late');
    const sync = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition, store.lineage), logger });
    await sync.syncOnce(); // the earlier tests' jobs too
    const run = async (name: string) => (await experiments.searchRuns({ experimentIds: [experimentId], view: 'ALL', filter: [{ kind: 'tag', key: JOB_NAME_TAG, op: '=', value: name }], orderBy: [], offset: 0, limit: 1 }))[0]!;
    const history = async (name: string) => experiments.metricHistory((await run(name)).info.runId, 'train:loss', { offset: 0, limit: 100 });
    const complete = async (r: JobRecord, time: number) => {
      const cur = (await jobs.get(r.id))!;
      await jobs.update(r.id, cur.version, { ...cur.value, status: 'Completed', endTime: time, lastModifiedTime: time, metricSeries: { 'train:loss': { points: [[time - 0.5, 0.3], [time - 0.25, 0.2]] } } } as JobRecord);
    };
    // A's time is taken first, B's after it; B's write commits first and a pass moves the watermark to B's time.
    const tA = ++clock;
    const tB = ++clock;
    await complete(b, tB);
    expect(await sync.syncOnce()).toBe(1);
    await complete(a, tA);
    expect(await sync.syncOnce()).toBe(1);
    expect((await run('late-a')).info.status).toBe('FINISHED');
    expect((await history('late-a')).map((p) => [p.step, p.value])).toEqual([[0, 0.3], [1, 0.2]]);

    // Jobs read again at the version recorded are passed over; a new version with the same content adds nothing.
    expect(await sync.syncOnce()).toBe(0);
    const cur = (await jobs.get(a.id))!;
    await jobs.update(a.id, cur.version, { ...cur.value, lastModifiedTime: ++clock });
    expect(await sync.syncOnce()).toBe(1);
    expect(await history('late-a')).toHaveLength(2);
    expect((await run('late-a')).params.map((p) => [p.key, p.value])).toEqual([['eta', '0.1']]);
    // A restarted sync reads every job again: still nothing twice.
    const restarted = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition, store.lineage), logger });
    await restarted.syncOnce();
    expect(await history('late-a')).toHaveLength(2);
    expect(await history('late-b')).toHaveLength(2);
  });
});

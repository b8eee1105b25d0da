import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';
import { LocalFsArtifactStore, openSqlExperimentStore, openSqlMetadataStore } from '@loam/adapters';
import { jobCollections, jobsCollection, silentLogger, systemClock, TrackingArtifacts, TrackingService, TrainingJobRuns, TrainingJobRunSync, type JobRecord } from '@loam/core';

/*
 * The training job → MLflow run sync keeps its watermark in memory, so every start reads every training
 * job again. Its awaits on SQLite never gave the event loop a turn: the whole pass held every request.
 */
const dir = mkdtempSync(join(tmpdir(), 'loam-run-sync-yields-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A retry starts on new databases: the failed attempt's jobs and experiment 'many' are in the old ones.
beforeRetry(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
});
const partition = { region: 'us-east-1', accountId: '000000000000' };
const T0 = 1_800_000_000;

function job(i: number): JobRecord {
  const name = `xgb-${String(i).padStart(5, '0')}`;
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status: 'Completed', secondaryStatus: 'Completed', phase: 'done', creationTime: T0 + i, lastModifiedTime: T0 + i, startTime: T0 + i, endTime: T0 + i,
    request: { TrainingJobName: name, HyperParameters: { eta: '0.1' }, ExperimentConfig: { ExperimentName: 'many' } },
    spec: {}, transitions: [], finalMetrics: {}, metricSeries: { 'train:loss': { points: [[T0 + i, 0.5]] } }, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {}, createdBy: 'admin',
  } as unknown as JobRecord;
}

describe('training job run sync over many jobs', () => {
  it('serves store reads while its pass runs, and records every job', async () => {
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: jobCollections });
    const experiments = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
    try {
      const tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') })) });
      await tracking.createExperiment({ name: 'many' });
      const n = 500;
      await store.transaction(async (tx) => {
        for (let i = 0; i < n; i++) await tx.collection(jobsCollection).insert(job(i));
      });
      expect(await new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition), logger: silentLogger }).syncOnce()).toBe(n);

      // The server starts again: its sync reads every job again (their runs and points are there).
      const restarted = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition), logger: silentLogger });
      let syncing = true;
      let reads = 0;
      // A client's request: a read whenever the event loop gets a turn, while the pass runs.
      const client = (async () => {
        while (syncing) {
          await new Promise((r) => setTimeout(r, 1));
          if (syncing && (await store.collection(jobsCollection).get(job(7).id))) reads++;
        }
      })();
      expect(await restarted.syncOnce()).toBe(n);
      syncing = false;
      await client;
      // 500 jobs read 100 a page: at least one read between each two pages (none before: the pass held them all).
      expect(reads).toBeGreaterThanOrEqual(4);
      const exp = await experiments.getExperimentByName('many');
      const runs = await experiments.searchRuns({ experimentIds: [exp!.experimentId], view: 'ALL', filter: [], orderBy: [], offset: 0, limit: 1000 });
      expect(runs.length).toBe(n);
    } finally {
      await experiments.close();
      await store.close();
    }
  }, 120_000);
});

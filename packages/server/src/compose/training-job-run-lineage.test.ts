import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { LocalFsArtifactStore, openSqlExperimentStore, openSqlMetadataStore } from '@loam/adapters';
import { jobCollections, systemClock, TrackingArtifacts, TrackingService, TrainingJobRuns, type ExperimentStore, type MetadataStore } from '@loam/core';

// A training job's run is linked job → run by a lineage edge written after the run was created, outside
// any transaction. When that write failed, the next call found the run and skipped the edge: the job
// never got it. The edge is written whenever this process has not written it yet.

let dir: string;
let store: MetadataStore;
let experiments: ExperimentStore;
let tracking: TrackingService;
const partition = { region: 'us-east-1', accountId: '000000000000' };

serverPerAttempt(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loam-run-lineage-'));
  store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: jobCollections });
  experiments = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
  tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') })) });
}, async () => {
  await experiments?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The metadata database refuses every edge to a run, as a full disk would (SQLite's own error text). */
function refuseRunEdges(refuse: boolean): void {
  const db = new Database(join(dir, 'loam.db'));
  try {
    db.exec(refuse
      ? `create trigger refuse_run_edges before insert on lineage_edges when new.destination_arn like '%:mlflow-run/%' begin select raise(abort, 'database or disk is full'); end`
      : 'drop trigger refuse_run_edges');
  } finally {
    db.close();
  }
}

it('a run whose job → run edge could not be written gets it on the next call', async () => {
  const jobArn = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/edge-refused';
  const job = { jobName: 'edge-refused', jobArn, hyperparameters: { eta: '0.1' }, status: 'InProgress', startTime: 1_800_000_000_000, userName: 'admin' };
  const runs = new TrainingJobRuns(tracking, partition, store.lineage);
  refuseRunEdges(true);
  await expect(runs.recordTrainingJobRun(job)).rejects.toThrow(/disk is full/);
  refuseRunEdges(false);
  const { runId } = await runs.recordTrainingJobRun(job);
  expect((await runs.findRun(jobArn))?.info.runId).toBe(runId);
  expect((await store.lineage.edges(jobArn, 'downstream')).map((e) => [e.destinationArn, e.associationType])).toEqual([[`arn:loam:sagemaker:us-east-1:000000000000:mlflow-run/${runId}`, 'Produced']]);
});

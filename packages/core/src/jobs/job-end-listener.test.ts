import { expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryJobExecutor } from '@loam/testkit/fakes/memory-job-executor';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { systemClock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/logger.js';
import { JobCoordinator } from './job-coordinator.js';
import { jobsCollection, type JobRecord } from './job.collections.js';

// The coordinator tells its listeners of each job end it records (a tuning job's driver starts its next trial then):
// a queued job stopped, and a job run to its exit, each told once, with the record as written.

function queued(name: string): JobRecord {
  const now = Date.now() / 1000;
  const spec = { name, instanceCount: 1, maxRuntimeSeconds: 3600, environment: {}, channels: [], metricDefinitions: [], hyperParameters: {} } as unknown as JobSpec;
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:123456789012:training-job/${name}`, status: 'InProgress', secondaryStatus: 'Starting', phase: 'queued',
    creationTime: now, lastModifiedTime: now, request: {}, spec, transitions: [{ Status: 'Starting', StartTime: now }],
    finalMetrics: {}, metricSeries: {}, attempts: 0, maxAttempts: 1, eventSeq: {}, exits: {},
  } as unknown as JobRecord;
}

it('tells its end listeners of a stopped queued job and of a job run to its exit, once each, with the recorded end', async () => {
  const store = createMemoryMetadataStore({ collections: [jobsCollection] });
  const coordinator = new JobCoordinator({ store, executor: new MemoryJobExecutor({ artifacts: new MemoryArtifactStore() }), clock: systemClock, logger: silentLogger, node: 'n', flushIntervalMs: 1 });
  const told: { name: string; status: string; phase: string }[] = [];
  // A listener that throws is logged, not the coordinator's failure: the others, also those after it, are still told.
  coordinator.onJobEnded(() => {
    throw new Error('listener fault');
  });
  coordinator.onJobEnded((job) => void told.push({ name: job.name, status: job.status, phase: job.phase }));
  try {
    const jobs = store.collection(jobsCollection);
    await jobs.insert(queued('stopped'));
    await coordinator.stop('training-job/stopped');
    expect(told).toEqual([{ name: 'stopped', status: 'Stopped', phase: 'done' }]);
    await coordinator.stop('training-job/stopped'); // already ended: not told again

    await jobs.insert(queued('ran'));
    await coordinator.reconcile(); // starts scheduling: the job is leased and the fake runs it to Completed
    const end = Date.now() + 5000;
    while (told.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await coordinator.idle();
    expect(told).toEqual([{ name: 'stopped', status: 'Stopped', phase: 'done' }, { name: 'ran', status: 'Completed', phase: 'done' }]);
  } finally {
    await coordinator.close();
    await store.close();
  }
});

it('tells its end listeners of a start that failed and of a job a restart settles, with the recorded end', async () => {
  const store = createMemoryMetadataStore({ collections: [jobsCollection] });
  const artifacts = new MemoryArtifactStore();
  // A start the executor refuses: the job fails at once (maxAttempts 1), nothing ran.
  class RefusingExecutor extends MemoryJobExecutor {
    override async start(): Promise<never> {
      throw new Error('no runner today');
    }
  }
  const coordinator = new JobCoordinator({ store, executor: new RefusingExecutor({ artifacts }), clock: systemClock, logger: silentLogger, node: 'n', flushIntervalMs: 1 });
  const told: { name: string; status: string; phase: string }[] = [];
  coordinator.onJobEnded((job) => void told.push({ name: job.name, status: job.status, phase: job.phase }));
  try {
    const jobs = store.collection(jobsCollection);
    // Left running by a server that stopped, its processes gone (no executor knows its handle): settled Failed.
    const now = Date.now() / 1000;
    await jobs.insert({ ...queued('orphan'), phase: 'running', node: 'n', attempts: 1, attemptStartTime: now, handle: { executor: 'gone' } } as JobRecord);
    await jobs.insert(queued('refused'));
    await coordinator.reconcile();
    const end = Date.now() + 5000;
    while (told.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await coordinator.idle();
    expect(told).toEqual([{ name: 'orphan', status: 'Failed', phase: 'done' }, { name: 'refused', status: 'Failed', phase: 'done' }]);
  } finally {
    await coordinator.close();
    await store.close();
  }
});

import { expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { trainingJobComponentName } from './sagemaker/training-job-components.js';
import { TrackingArtifacts } from './tracking-artifacts.js';
import { TrackingService } from './tracking.service.js';
import { TrainingJobRuns } from './training-job-runs.js';

it("stamps a training job's job → run edge and its trial component with the injected clock", async () => {
  // Far from the machine's time, so a stamp taken from it could not pass for the clock's.
  const clock = new ManualClock(1_000_000_000_000);
  const experiments = new MemoryExperimentStore();
  const tracking = new TrackingService({ store: experiments, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
  const store = createMemoryMetadataStore({ collections: [] });
  const jobArn = 'arn:loam:sagemaker:us-east-1:123456789012:training-job/j';
  await new TrainingJobRuns(tracking, { region: 'us-east-1', accountId: '123456789012' }, store.lineage).recordTrainingJobRun({
    jobName: 'j', jobArn, hyperparameters: {}, status: 'InProgress', startTime: 5_000, userName: 'admin',
  });
  expect((await store.lineage.edges(jobArn, 'downstream')).map((e) => e.createdAt)).toEqual([1_000_000_000_000]);
  const component = await experiments.getTrialComponent(trainingJobComponentName('j'));
  expect([component?.creationTime, component?.lastModifiedTime]).toEqual([1_000_000_000_000, 1_000_000_000_000]);
});

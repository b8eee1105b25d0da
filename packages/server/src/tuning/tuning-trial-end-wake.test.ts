import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger, systemPrincipal, TagService, type Partition, type RequestContext } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryJobExecutor } from '@loam/testkit/fakes/memory-job-executor';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { loadConfig } from '../config/index.js';
import { allCollections } from '../compose/platform.js';
import { openJobs } from '../jobs/jobs.compose.js';
import { until } from '../jobs/postgres-faults.test-support.js';
import { role, xgboostImage } from '../jobs/jobs.test-support.js';
import { openTuning } from './tuning.compose.js';

// The tuning driver passes every 500 ms and when told: a create, a stop, and a trial's end. With the periodic pass an
// hour apart, only a trial's end can start the next trial of a sequential tuning job (MaxParallelTrainingJobs 1):
// the job finishing at all shows each end woke the driver. Before, each trial waited for the next periodic pass.
const partition: Partition = { region: 'us-east-1', accountId: '000000000000' };

async function openSequentialTuning() {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-tune-wake-'));
  const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
  const store = createMemoryMetadataStore({ collections: allCollections });
  const artifacts = new MemoryArtifactStore();
  await artifacts.ensureBucket('data');
  await artifacts.ensureBucket('models');
  await artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from('1,0.5\n'));
  const tags = new TagService({ store, partition });
  // The fake runs each trial at once: it logs `loss=0.25;` and exits Completed.
  const jobs = openJobs({ config, store, artifacts, partition, tags, logger: silentLogger, executor: new MemoryJobExecutor({ artifacts, slots: 4 }) });
  const tuning = openTuning({ store, partition, tags, jobs, logger: silentLogger, passIntervalMs: 3_600_000 });
  await jobs.scheduler.start();
  tuning.driver.start();
  return {
    tuning,
    jobs,
    async close() {
      await tuning.close();
      await jobs.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

it("a sequential tuning job starts each trial on the previous trial's end, not on the driver's next periodic pass", async () => {
  const t = await openSequentialTuning();
  try {
    const ctx: RequestContext = { principal: systemPrincipal, requestId: 'tuning-trial-end-wake' };
    await t.tuning.service.CreateHyperParameterTuningJob({
      HyperParameterTuningJobName: 'seq',
      HyperParameterTuningJobConfig: {
        Strategy: 'Random', HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'train:rmse' },
        ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 1 },
        ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '1', MaxValue: '9' }] },
      },
      TrainingJobDefinition: {
        AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'train:rmse', Regex: 'loss=([0-9.]+);' }] },
        StaticHyperParameters: { num_round: '1', objective: 'binary:logistic' },
        Environment: { LOAM_CONFORMANCE: JSON.stringify({ exit: 0 }) },
        RoleArn: role,
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://models/seq' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      },
    } as never, ctx);
    // Bounded well below the periodic pass: without the wake on a trial's end the job stays at its first trial.
    const done = await until(async () => {
      const d = (await t.tuning.service.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'seq' } as never, ctx)) as { HyperParameterTuningJobStatus: string; TrainingJobStatusCounters: { Completed: number } };
      return d.HyperParameterTuningJobStatus === 'InProgress' ? undefined : d;
    }, 10_000, 'tuning job seq ended');
    expect(done.HyperParameterTuningJobStatus, JSON.stringify(done)).toBe('Completed');
    expect(done.TrainingJobStatusCounters.Completed).toBe(4);
    // One at a time, in order: each trial created after the one before it ended (on its end: no periodic pass came).
    const listed = (await t.tuning.service.ListTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: 'seq', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 10 } as never, ctx)) as { TrainingJobSummaries: { CreationTime: number; TrainingEndTime: number }[] };
    const rows = listed.TrainingJobSummaries;
    expect(rows).toHaveLength(4);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.CreationTime).toBeGreaterThanOrEqual(rows[i - 1]!.TrainingEndTime);
  } finally {
    await t.close();
  }
});

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

async function openSequentialTuning(passIntervalMs = 3_600_000) {
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
  // The tuning passes' writes of tuning-job records (slowed), and how many of them a version conflict refused: one server's
  // passes run one at a time, so only another writer (none here) can make them conflict.
  const writes = { tuning: 0, conflicts: 0 };
  const own = <T extends object>(target: T, prop: string | symbol): unknown => {
    const v = Reflect.get(target, prop, target) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  };
  const tuningStore = new Proxy(store, {
    get(target, prop) {
      if (prop !== 'collection') return own(target, prop);
      return (spec: { name: string }) => {
        const col = target.collection(spec as never) as { update: (...a: unknown[]) => Promise<unknown> };
        if (spec.name !== 'tuning_jobs') return col;
        return new Proxy(col, {
          get(c, p) {
            if (p !== 'update') return own(c, p);
            return async (...a: unknown[]) => {
              writes.tuning++;
              // A write that takes a while, as a database's does: a pass spans timer ticks, so passes could interleave.
              await new Promise((r) => setTimeout(r, 2));
              try {
                return await c.update(...a);
              } catch (e) {
                writes.conflicts++;
                throw e;
              }
            };
          },
        });
      };
    },
  });
  const tuning = openTuning({ store: tuningStore, partition, tags, jobs, logger: silentLogger, passIntervalMs });
  await jobs.scheduler.start();
  tuning.driver.start();
  return {
    tuning,
    jobs,
    writes,
    async close() {
      await tuning.close();
      await jobs.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ctx: RequestContext = { principal: systemPrincipal, requestId: 'tuning-trial-end-wake' };

function createTuning(t: Awaited<ReturnType<typeof openSequentialTuning>>, name: string, maxJobs: number, maxParallel: number) {
  return t.tuning.service.CreateHyperParameterTuningJob({
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random', HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'train:rmse' },
      ResourceLimits: { MaxNumberOfTrainingJobs: maxJobs, MaxParallelTrainingJobs: maxParallel },
      ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '1', MaxValue: '9' }] },
    },
    TrainingJobDefinition: {
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'train:rmse', Regex: 'loss=([0-9.]+);' }] },
      StaticHyperParameters: { num_round: '1', objective: 'binary:logistic' },
      Environment: { LOAM_CONFORMANCE: JSON.stringify({ exit: 0 }) },
      RoleArn: role,
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
      OutputDataConfig: { S3OutputPath: `s3://models/${name}` },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  } as never, ctx);
}

it("a sequential tuning job starts each trial on the previous trial's end, not on the driver's next periodic pass", async () => {
  const t = await openSequentialTuning();
  try {
    await createTuning(t, 'seq', 4, 1);
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

// The kicks on a trial's end and the periodic pass run passes side by side: the orchestrator runs one at a time (a
// call during a pass queues another), so a freed slot is filled once, never by two passes each starting a trial.
it('never runs more trials at once than MaxParallelTrainingJobs while the periodic pass races the kicks of trial ends', async () => {
  const t = await openSequentialTuning(1);
  try {
    for (const [name, parallel] of [['race-one', 1], ['race-two', 2]] as const) {
      await createTuning(t, name, 8, parallel);
      const done = await until(async () => {
        const d = (await t.tuning.service.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: name } as never, ctx)) as { HyperParameterTuningJobStatus: string; TrainingJobStatusCounters: { Completed: number } };
        return d.HyperParameterTuningJobStatus === 'InProgress' ? undefined : d;
      }, 10_000, `tuning job ${name} ended`);
      expect([name, done.HyperParameterTuningJobStatus, done.TrainingJobStatusCounters.Completed]).toEqual([name, 'Completed', 8]);
      const listed = (await t.tuning.service.ListTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: name, MaxResults: 100 } as never, ctx)) as { TrainingJobSummaries: { TrainingJobName: string; CreationTime: number; TrainingEndTime: number }[] };
      const rows = listed.TrainingJobSummaries;
      // Eight trials, each once: no pass started a trial another pass had started.
      expect([name, rows.length, new Set(rows.map((r) => r.TrainingJobName)).size]).toEqual([name, 8, 8]);
      // When each trial was created, at most `parallel` trials (itself included) had not ended.
      for (const r of rows) {
        const running = rows.filter((o) => o.CreationTime <= r.CreationTime && o.TrainingEndTime > r.CreationTime).length;
        expect([name, r.TrainingJobName, running <= parallel]).toEqual([name, r.TrainingJobName, true]);
      }
    }
    // Passes ran one at a time: none wrote over a record another pass had written since it read it.
    expect(t.writes.tuning).toBeGreaterThan(16);
    expect(t.writes.conflicts).toBe(0);
  } finally {
    await t.close();
  }
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesWithMarker } from '@loam/adapters/executors/local/proc';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, role } from './jobs.test-support.js';
import { alive, openLoamOn, until } from './restart.test-support.js';

// A job's runner was stopped while its server was down (a shutdown sends every process SIGTERM), on a full disk: it
// could not write its outcome and exited 74, which says the disk stayed full — but only to the server that spawned
// it. The restarted server adopted a runner already gone and failed the attempt as a vanished runner
// (InternalServerError), retried under RetryStrategy onto the same full disk. The runner now records its exit code in
// its directory, and the job fails as it would have without the restart: a ClientError naming the full disk, not
// retried. (A runner that exited 75, at MaxRuntimeInSeconds, already ended MaxRuntimeExceeded there: the coordinator
// charges the attempt for the time it ran, which is the limit; adopted-runner-exit.test.ts covers its reason.)
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

/** Reports `loss=<n>;` every 2 ms until stopped: once the disk is full, its metric events take the last room in events.jsonl's last page. */
const metricsForever = "import time\ni = 0\nwhile True:\n    i += 1\n    print(f'loss={i};', flush=True)\n    time.sleep(0.002)\n";

describe.skipIf(!canMountTmpfs)('a job whose runner ended on a full disk while the server was down (needs root to mount a tmpfs)', () => {
  it('fails after the restart with a ClientError naming the full disk, not retried as a vanished runner', async () => {
    const fs = smallTmpfs(16, 'loam-adopted-disk-full-');
    const dataDir = mkdtempSync(join(tmpdir(), 'loam-adopted-disk-full-'));
    const workDir = join(fs.dir, 'jobs');
    const host = join(workDir, 'training-job', 'full-disk-exit', 'algo-1');
    let first: TestLoam | undefined;
    let second: TestLoam | undefined;
    try {
      first = await openLoamOn(dataDir, undefined, { LOAM_EXECUTOR__WORK_DIR: workDir });
      await first.platform.artifacts.ensureBucket('models');
      await first.platform.jobs.scheduler.start();
      const res = await call(first, 'POST', '/api/v1/training-jobs', {
        TrainingJobName: 'full-disk-exit', RoleArn: role,
        AlgorithmSpecification: {
          TrainingImage: sklearnImage, TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '-c', metricsForever],
          MetricDefinitions: [{ Name: 'loss', Regex: 'loss=(\\d+);' }],
        },
        OutputDataConfig: { S3OutputPath: 's3://models/full-disk/' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        RetryStrategy: { MaximumRetryAttempts: 2 },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const pid = await until(() => {
        try {
          const p = JSON.parse(readFileSync(join(host, 'runner.pid'), 'utf8')) as { pid: number; childPgid?: number };
          return p.childPgid !== undefined ? p.pid : undefined;
        } catch {
          return undefined;
        }
      }, 60_000, "the image's process group in runner.pid");
      await until(async () => ((await call(first!, 'GET', '/api/v1/training-jobs/full-disk-exit')).body.SecondaryStatus === 'Training' ? true : undefined), 30_000, 'Training recorded');

      // The server goes away; the disk fills; the runner is stopped, cannot write that outcome, waits a moment for
      // space and exits 74.
      const token = first.adminToken;
      await first.close();
      first = undefined;
      fs.fill();
      await new Promise((r) => setTimeout(r, 500)); // the image's metrics take the room left in the last pages
      process.kill(pid, 'SIGTERM');
      await until(() => (alive(pid) ? undefined : true), 120_000, 'the runner to end');
      expect(readFileSync(join(host, 'events.jsonl'), 'utf8'), 'the runner could not write its outcome').not.toContain('"type":"exit"');

      second = await openLoamOn(dataDir, token, { LOAM_EXECUTOR__WORK_DIR: workDir });
      await second.platform.jobs.scheduler.start();
      const d = await until(async () => {
        const b = (await call(second!, 'GET', '/api/v1/training-jobs/full-disk-exit')).body;
        return ['Completed', 'Failed', 'Stopped'].includes(b.TrainingJobStatus) ? b : undefined;
      }, 60_000, 'the job to end');
      expect(d.SecondaryStatusTransitions.map((t: { Status: string }) => t.Status), 'no attempt after the first').not.toContain('Restarting');
      expect(d.TrainingJobStatus).toBe('Failed');
      expect(d.FailureReason).toMatch(/^ClientError: the job's runner process ended \(exit code 74: no space left on device \(ENOSPC\) to write it\) without reporting an outcome/);
    } finally {
      await first?.close();
      await second?.close();
      const marker = Buffer.from(host).toString('base64url');
      for (const p of processesWithMarker(marker)) process.kill(p, 'SIGKILL');
      if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { removeDataDir, restCall, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

const fixtures = fileURLToPath(new URL('../../../runtime/fixtures/', import.meta.url));
// Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
// failed attempt left there (the names it created, its jobs).
let dataDir = '';
beforeEach(() => {
  dataDir = tempDataDir('loam-recovery-');
});
const env = { LOAM_EXECUTOR__MAXCONCURRENTJOBS: '8' };
let loam: LoamProcess | undefined;
let token = '';
const api = (method: string, path: string, body?: unknown): Promise<any> => restCall(loam!.url, token, method, path, body);

afterEach(async () => {
  if (loam && loam.child.exitCode === null) {
    loam.child.kill('SIGTERM');
    await waitForExit(loam.child, 15_000).catch(() => loam?.child.kill('SIGKILL'));
  }
  for (const pid of markedPids()) process.kill(pid, 'SIGKILL');
  await removeDataDir(dataDir);
});


/** Processes carrying a job marker of this data directory (the runner puts it in every job process's environment). */
function markedPids(): number[] {
  const out: number[] = [];
  const jobsDir = join(dataDir, 'jobs', 'training-job');
  let markers: Buffer[] = [];
  try {
    markers = readdirSync(jobsDir).map((n) => Buffer.from(`LOAM_JOB_MARKER=${Buffer.from(join(jobsDir, n, 'algo-1')).toString('base64url')}\0`));
  } catch {
    return out;
  }
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const e = readFileSync(`/proc/${p}/environ`);
      if (markers.some((m) => e.includes(m))) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

const names = [1, 2, 3, 4, 5].map((i) => `recover-${i}`);
const describeJob = (n: string) => api('GET', `/api/v1/training-jobs/${n}`);
const loss = (d: any) => d.FinalMetricDataList.find((m: { MetricName: string }) => m.MetricName === 'loss');

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('kill -9 of the server with 5 training jobs running', () => {
  it('re-adopts live jobs, fails the one whose processes died with a reason, keeps metrics, leaves no orphan', async () => {
    const py = spawnSync('/usr/bin/python3', ['-c', 'print(1)']);
    expect(py.status, '/usr/bin/python3 is needed').toBe(0);
    const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
    await artifacts.ensureBucket('data');
    await artifacts.ensureBucket('models');
    await artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
    const tgz = spawnSync('tar', ['-czf', '-', '-C', join(fixtures, 'scripts'), 'sleeper.py']).stdout;
    await artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, tgz);

    loam = await startLoamProcess(dataDir, env);
    token = /loam_api_token = (\S+)/.exec(readFileSync(loam.info.credentialsFile, 'utf8'))![1]!;
    for (const n of names) {
      await api('POST', '/api/v1/training-jobs', {
        TrainingJobName: n, RoleArn: 'arn:aws:iam::000000000000:role/R',
        AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+);' }] },
        HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      });
    }
    // Every job is training and has published metrics.
    const before = await until(async () => {
      const ds = await Promise.all(names.map(describeJob));
      return ds.every((d) => d.SecondaryStatus === 'Training' && loss(d)) ? ds : undefined;
    }, 60_000, 'all jobs training with metrics');

    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    // While the server is down, job 5 loses its processes too (e.g. the OOM killer).
    const pidFile = JSON.parse(readFileSync(join(dataDir, 'jobs', 'training-job', 'recover-5', 'algo-1', 'runner.pid'), 'utf8')) as { pid: number; childPgid: number };
    process.kill(-pidFile.childPgid, 'SIGKILL');
    process.kill(pidFile.pid, 'SIGKILL');

    const restartedAt = Date.now();
    loam = await startLoamProcess(dataDir, env);
    const after = await until(async () => {
      const ds = await Promise.all(names.map(describeJob));
      const settled = ds.every((d, i) => (i === 4 ? d.TrainingJobStatus === 'Failed' : d.TrainingJobStatus === 'InProgress' && loss(d).Timestamp > before[i].FinalMetricDataList[0].Timestamp));
      return settled ? ds : undefined;
    }, 30_000, 'every job re-adopted (metrics flowing again) or terminal');
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    expect(after[4].FailureReason).toMatch(/could not be found after the server restarted|ended without reporting an outcome|the runner was gone when the server restarted\) without reporting an outcome|the image ended with signal SIGKILL/);
    for (let i = 0; i < 4; i++) {
      // Acknowledged metrics are kept: nothing regressed past what was seen before the kill.
      expect(loss(after[i]).Timestamp).toBeGreaterThanOrEqual(loss(before[i]).Timestamp);
      expect(after[i].SecondaryStatusTransitions.map((t: { Status: string }) => t.Status)).toEqual(['Starting', 'Downloading', 'Training']);
    }
    // Stop the survivors: all reach Stopped and no process of any job is left.
    for (const n of names.slice(0, 4)) await api('POST', `/api/v1/training-jobs/${n}/stop`, {});
    await until(async () => {
      const ds = await Promise.all(names.map(describeJob));
      return ds.every((d) => ['Stopped', 'Failed'].includes(d.TrainingJobStatus)) ? true : undefined;
    }, 30_000, 'all jobs stopped');
    await until(async () => (markedPids().length === 0 ? true : undefined), 10_000, 'no job process left');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

/** A training job that has ended with `status`; its logs are complete. */
function endedJob(status: string, reason?: string) {
  fakeLoam((r) => {
    if (r.path === '/api/v1/training-jobs/j1/logs') return { Events: [{ Timestamp: 1764291601, Stream: 'stderr', Message: 'boom' }], NextForwardToken: 't1', Complete: true };
    if (r.path === '/api/v1/training-jobs/j1') return { TrainingJobName: 'j1', TrainingJobStatus: status, ...(reason ? { FailureReason: reason } : {}) };
    if (r.path === '/api/v1/processing-jobs/p1/logs') return { Events: [], NextForwardToken: 't1', Complete: true };
    if (r.path === '/api/v1/processing-jobs/p1') return { ProcessingJobName: 'p1', ProcessingJobStatus: status };
    return {};
  });
}

describe('loam logs -f (how to follow a job again after Ctrl-C) exits as the job ended', () => {
  it('exits 1 and names the failure when the job Failed', async () => {
    endedJob('Failed', 'AlgorithmError: boom');
    const r = await runCli([...fakeAuth, 'logs', '-f', 'j1']);
    expect(r.stdout).toBe('boom\n');
    expect(r.stderr).toBe('Training job j1 ended Failed: AlgorithmError: boom\n');
    expect(r.code).toBe(1);
  });

  it('exits 1 for a Stopped processing job, 0 for a Completed one; without -f the exit code is 0', async () => {
    endedJob('Stopped');
    expect((await runCli([...fakeAuth, 'logs', '-f', '--processing', 'p1'])).code).toBe(1);
    endedJob('Completed');
    const ok = await runCli([...fakeAuth, 'logs', '-f', 'j1']);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    endedJob('Failed');
    expect((await runCli([...fakeAuth, 'logs', 'j1'])).code).toBe(0);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { fixtures } from './jobs.test-support.js';

export const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

/**
 * A Loam for retry tests: buckets `data` and `models` (Loam never creates an output bucket: a missing one fails the
 * job when it uploads, as in SageMaker), `s3://data/code/wait_for_release.py`, and its scheduler started.
 */
export async function openRetryLoam(): Promise<TestLoam> {
  const loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'code/wait_for_release.py' }, readFileSync(join(fixtures, 'scripts/wait_for_release.py')));
  await loam.platform.jobs.scheduler.start();
  return loam;
}

/** The pid of the host's runner once its image has started (a runner other than `not`), waiting up to `timeoutMs`. */
export async function runnerWithImage(host: string, not?: number, timeoutMs = 90_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const p = JSON.parse(readFileSync(join(host, 'runner.pid'), 'utf8')) as { pid: number; childPgid?: number };
      if (p.childPgid !== undefined && p.pid !== not) return p.pid;
    } catch {
      // not written yet, or being replaced
    }
    if (Date.now() > end) throw new Error(`no runner with a started image in ${host}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

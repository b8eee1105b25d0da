import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, trainingRequest, waitForTrainingJob } from './jobs.test-support.js';

// A job's (or a model's) Environment is the user's: it must reach only the user's process, never what
// Loam runs as root to build the sandbox (unshare, the script's mount, ip). Before, `PATH` chose the
// `mount` the root script ran and `LD_PRELOAD` loaded a library into unshare — root code of the user's.
// The decoys stand for files a user put on the machine (a staged channel, an artifact store object).

const asRoot = process.getuid?.() === 0;
let loam: TestLoam;
let decoys: string;

async function start(): Promise<void> {
  decoys = mkdtempSync(join(tmpdir(), 'loam-sandbox-env-'));
  chmodSync(decoys, 0o755);
  for (const tool of ['mount', 'mkdir', 'sleep', 'ip', 'env', 'setpriv']) {
    writeFileSync(join(decoys, tool), `#!/bin/sh\nid -u >> ${join(decoys, 'ran-as')}\nexit 1\n`, { mode: 0o755 });
  }
  loam = await openTestLoam();
  await loam.platform.jobs.scheduler.start();
  await loam.platform.artifacts.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from(binaryCsv(200)));
}
async function stop(): Promise<void> {
  await loam?.close();
  rmSync(decoys, { recursive: true, force: true });
}
serverPerAttempt(start, stop);

describe.runIf(asRoot)("the user's environment and the sandbox's root part", () => {
  it('a training job whose Environment sets PATH (and EnableNetworkIsolation, so ip runs too) trains as usual, and no decoy runs as root', async () => {
    const r = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('env-path', { EnableNetworkIsolation: true, Environment: { PATH: `${decoys}:/usr/bin:/bin` } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await waitForTrainingJob(loam, 'env-path');
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    const ran = existsSync(join(decoys, 'ran-as')) ? readFileSync(join(decoys, 'ran-as'), 'utf8').trim().split('\n') : [];
    expect(ran).not.toContain('0');
  }, 120_000);
});

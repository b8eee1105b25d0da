import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeJobExecutorConformance } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

describeJobExecutorConformance({
  name: 'local process executor',
  stopWithinMs: 1000 + 1000 + 3000,
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-exec-'));
    const artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
    const executor = new LocalProcessExecutor({
      workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3',
      stopGraceSeconds: 1, pollIntervalMs: 100,
    });
    return { executor, artifacts, close: async () => { await executor.close(); rmSync(dir, { recursive: true, force: true }); } };
  },
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { ExecutorEvent } from '@loam/core';
import type { SmallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner, until } from './local-process-executor.test-support.js';
import { signal } from './proc.js';

/**
 * Executors whose jobs' directories are on a (small, full) disk, and their artifact store off it, under a scratch
 * directory of the calling test file (`scratch`). Executors are closed, runners in `pids` SIGKILLed, and the scratch
 * directory removed after all. Two executors over one disk are successive servers (a restart).
 */
export function useFullDiskExecutors(prefix: string): {
  readonly scratch: string;
  readonly pids: number[];
  readonly executors: LocalProcessExecutor[];
  executorOn(fs: Pick<SmallTmpfs, 'dir'>, input?: Buffer, store?: string): Promise<{ executor: LocalProcessExecutor; events: ExecutorEvent[] }>;
} {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const executors: LocalProcessExecutor[] = [];
  const pids: number[] = [];
  afterAll(async () => {
    for (const pid of pids) signal(pid, 'SIGKILL');
    for (const e of executors) await e.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  return {
    scratch, pids, executors,
    async executorOn(fs, input = Buffer.from('the input data'), store = 'artifacts') {
      const artifacts = await LocalFsArtifactStore.open({ root: join(scratch, store) });
      await artifacts.ensureBucket('conformance');
      await artifacts.put({ bucket: 'conformance', key: 'train/data.txt' }, input);
      const executor = new LocalProcessExecutor({
        workDir: join(fs.dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(scratch, store) },
        python: '/usr/bin/python3', stopGraceSeconds: 2, pollIntervalMs: 50, cgroups: false, sandbox: 'off',
      });
      executors.push(executor);
      const events: ExecutorEvent[] = [];
      executor.onEvent((_id, e) => events.push(e));
      return { executor, events };
    },
  };
}

/** The first `exit` event among `events`, waited for. */
export const exitOf = (events: ExecutorEvent[]) => until(() => events.find((e): e is ExecutorEvent & { type: 'exit' } => e.type === 'exit'), 90_000, 'the exit event');

/**
 * An image (`node -e`) that reports `loss=…;` every 2 ms (the conformance spec's metric definition) until stopped,
 * having left `<root>/started`. Once the disk is full, its metrics take what room was left in the last pages of
 * events.jsonl and logs.jsonl (a tmpfs page is 4 KiB), where the job's outcome would otherwise still fit.
 */
export const metricsUntilStoppedScript = `
const fs = require('fs'), path = require('path');
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, '..', 'started'), '');
let i = 0;
setInterval(() => console.log('loss=' + (++i) + ';'), 2);
`;

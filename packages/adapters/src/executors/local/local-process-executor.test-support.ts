import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { ExecutorEvent } from '@loam/core';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';

/** The runner from TypeScript sources (the runtime's `runnerCommand()` does the same; adapters may not import it). */
export function sourceRunner(): { command: string; args: string[] } {
  const root = fileURLToPath(new URL('../../../../../', import.meta.url));
  return {
    command: process.execPath,
    args: ['--conditions=loam-src', '--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'packages/runtime/src/runner/bin.ts')],
  };
}

/** Polls `fn` every 25 ms until it returns a value, or throws naming `what` after `timeoutMs`. */
export async function until<T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Executors over one work directory, as successive servers see it (a restart is a new executor on the same
 * directory), with the conformance bucket's input staged. Runners named with `kill` are SIGKILLed after all.
 */
export function useExecutorsOverOneDir(prefix: string, stopGraceSeconds: number): {
  dir: () => string;
  executor: (events: ExecutorEvent[]) => LocalProcessExecutor;
  kill: (pid: number) => void;
} {
  let dir = '';
  const executors: LocalProcessExecutor[] = [];
  const pids: number[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
    await artifacts.ensureBucket('conformance');
    await artifacts.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
  });
  afterAll(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const e of executors) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    executor(events) {
      const e = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', stopGraceSeconds, pollIntervalMs: 50 });
      e.onEvent((_id, ev) => events.push(ev));
      executors.push(e);
      return e;
    },
    kill: (pid) => void pids.push(pid),
  };
}

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { beforeNextAttempt } from '@loam/testkit/vitest/retry.test-support';
import { runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// Two servers on one data directory would run the same jobs twice against one database, and the second
// rewrote the credentials file's endpoint to itself (the CLI then lost the first server).
describe('one server per data directory', () => {
  const dataDir = tempDataDir('loam-lock-');
  const started: LoamProcess[] = [];
  const killStarted = async () => {
    for (const p of started) {
      if (p.child.exitCode === null) {
        p.child.kill('SIGKILL');
        await waitForExit(p.child).catch(() => undefined);
      }
    }
  };
  afterAll(async () => {
    await killStarted();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second `loam up` on a directory being served, and leaves the first one\'s credentials alone', async (context) => {
    // CI's retry starts its own first server: the failed attempt's, still serving the directory, would refuse it.
    beforeNextAttempt(context, killStarted);
    const first = await startLoamProcess(dataDir);
    started.push(first);
    const credentials = readFileSync(join(dataDir, 'credentials'), 'utf8');
    const second = await runLoam(['up', '--port', '0', '--data-dir', dataDir], { LOAM_LOG__LEVEL: 'warn' });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`Another Loam server (pid ${first.child.pid}) is serving the data directory ${dataDir}`);
    expect(readFileSync(join(dataDir, 'credentials'), 'utf8')).toBe(credentials);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('takes over the lock of a server that was killed', async () => {
    const first = started.at(-1) as LoamProcess;
    first.child.kill('SIGKILL');
    await waitForExit(first.child);
    const again = await startLoamProcess(dataDir);
    started.push(again);
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
    expect(readFileSync(join(dataDir, 'credentials'), 'utf8')).toContain(`loam_endpoint = ${again.url}`);
  }, 60_000);
});

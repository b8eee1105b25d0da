import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunning, killUid, pickSandboxUid, processesOfUid } from './sandbox.js';

// killUid must end every process of a sandbox uid, including ones built to outrun a sweep of /proc: a
// process that forks and exits in a loop (its pid keeps changing) and a process whose main thread
// ended while another thread runs on (a zombie leader).

const asRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startAs(uid: number, code: string): void {
  const c = spawn('/usr/bin/setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', '/usr/bin/python3', '-c', code], { detached: true, stdio: 'ignore' });
  c.unref();
}

const running = (uid: number) => processesOfUid(uid).filter(isRunning);

describe.runIf(asRoot)('killUid', () => {
  it('ends a process that forks and exits in a loop, and a thread that outlives its process\'s main thread', async () => {
    const uid = pickSandboxUid();
    const dir = mkdtempSync(join(tmpdir(), 'loam-kill-uid-'));
    chmodSync(dir, 0o777);
    const beat = join(dir, 'beat');
    // The hopper appends a byte on each hop: its file stops growing only when it is dead. Its first
    // process reaps the exited hops (a child subreaper), so they do not pile up as zombies under an init
    // that does not reap (as in some containers).
    const hopper = [
      'import ctypes, os, time',
      'ctypes.CDLL(None).prctl(36, 1)',
      'if os.fork() == 0:',
      '    while True:',
      `        open(${JSON.stringify(beat)}, "a").write("x")`,
      '        if os.fork() > 0:',
      '            os._exit(0)',
      'while True:',
      '    try:',
      '        os.wait()',
      '    except ChildProcessError:',
      '        time.sleep(0.01)',
    ].join('\n');
    startAs(uid, hopper);
    startAs(uid, 'import ctypes, threading, time\ndef spin():\n    while True:\n        time.sleep(0.01)\nthreading.Thread(target=spin).start()\ntime.sleep(0.1)\nctypes.CDLL(None).pthread_exit(None)');
    try {
      await sleep(500);
      expect(existsSync(beat)).toBe(true);
      expect(running(uid).length).toBeGreaterThanOrEqual(1);
      killUid(uid);
      expect(running(uid)).toEqual([]);
      // Nothing slipped out to come back later.
      const size = statSync(beat).size;
      await sleep(500);
      expect(statSync(beat).size).toBe(size);
      expect(running(uid)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/** A process of `uid` whose main thread ended while another thread runs on (a zombie leader). */
function zombieLeader(uid: number): number | undefined {
  return processesOfUid(uid).find((pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return /^State:\s+Z/m.test(status) && Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? '1') > 1;
    } catch {
      return false;
    }
  });
}

/** Polls `ready` until it holds; a loaded machine may take seconds to start a python (a fixed sleep of 500 ms failed at load 28). */
async function waitFor(ready: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

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
      // Both at work before the sweep: the hopper hopping (its file growing) and the thread past its leader's end.
      await waitFor(() => existsSync(beat) && statSync(beat).size >= 3, 'the hopper to hop');
      await waitFor(() => zombieLeader(uid) !== undefined, 'a thread outliving its main thread');
      // killUid's own bound (2 s) is for a server; on a loaded machine the dying processes may take longer to go.
      killUid(uid, 30_000);
      expect(running(uid)).toEqual([]);
      // Nothing slipped out to come back later.
      const size = statSync(beat).size;
      await sleep(500);
      expect(statSync(beat).size).toBe(size);
      expect(running(uid)).toEqual([]);
    } finally {
      // Nothing of a failed attempt left running into the retry.
      killUid(uid, 30_000);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

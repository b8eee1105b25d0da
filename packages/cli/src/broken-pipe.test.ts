import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

// The built CLI, as a user runs it (`npm test` builds first).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

// The reading end of stdout's pipe is closed before the CLI starts, so its first write fails with
// EPIPE every time (no race with a reader): what `loam logs j | head` meets once head has its lines.
// `loam doctor` on an empty data directory writes its report and goes on (no server needed).
const writeToClosedPipe = `
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], sys.argv[2], 'doctor', '--data-dir', sys.argv[3]], stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(str(p.returncode) + '\\n' + p.stderr.decode())
`;

describe('the CLI when its output pipe is closed', () => {
  it('ends with code 0 and no stack trace (was an unhandled EPIPE error event)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loam-epipe-'));
    const r = spawnSync('/usr/bin/python3', ['-c', writeToClosedPipe, process.execPath, bin, dataDir], { encoding: 'utf8' });
    rmSync(dataDir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const [code, ...stderr] = r.stdout.split('\n');
    expect(stderr.join('\n')).not.toMatch(/EPIPE|Unhandled 'error'|\n\s+at /);
    expect(code).toBe('0');
  });

  // `loam up` with its stdout reader gone keeps serving (it ended, code 0, at its first banner line),
  // and a SIGTERM still stops it cleanly.
  it('loam up keeps serving, and stops cleanly on SIGTERM', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dataDir = mkdtempSync(join(tmpdir(), 'loam-epipe-up-'));
    const serve = `
import json, os, signal, subprocess, sys, time, urllib.request
r, w = os.pipe()
os.close(r)
p = subprocess.Popen([sys.argv[1], sys.argv[2], 'up', '--port', sys.argv[3], '--data-dir', sys.argv[4]], stdout=w, stderr=subprocess.PIPE)
up = False
for _ in range(240):
  if p.poll() is not None: break
  try:
    up = urllib.request.urlopen('http://127.0.0.1:%s/healthz' % sys.argv[3], timeout=2).status == 200
    break
  except Exception:
    time.sleep(0.5)
alive = p.poll() is None
p.send_signal(signal.SIGTERM) if alive else None
code = p.wait(timeout=60)
print(json.dumps({'up': up, 'aliveAfterBanner': alive, 'code': code, 'stderr': p.stderr.read().decode()[-2000:]}))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', serve, process.execPath, bin, String(port), join(dataDir, 'data')], { encoding: 'utf8', timeout: 240_000 });
    rmSync(dataDir, { recursive: true, force: true });
    const out = JSON.parse(r.stdout) as { up: boolean; aliveAfterBanner: boolean; code: number; stderr: string };
    expect(out, r.stderr).toMatchObject({ up: true, aliveAfterBanner: true, code: 0 });
    expect(out.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
  }, 300_000);
});

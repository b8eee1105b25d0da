import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProcessExecutor } from './local-process-executor.js';
import { isAlive } from './proc.js';
import { sourceRunner } from './local-process-executor.test-support.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('discard: a job whose start a crashed server never recorded', () => {
  it('leaves alone the process group and uid a dead runner\'s runner.pid names (numbers that another process may have now)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-discard-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3' });
    cleanups.push(() => void executor.close());
    // An unrelated process group (its leader's pid is the group id), alive now.
    const bystander = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    cleanups.push(() => bystander.kill('SIGKILL'));
    // A runner that is gone: a pid that has exited.
    const deadPid = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const hostDir = join(dir, 'jobs', 'training-job', 'crashed', 'algo-1');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'runner.pid'), JSON.stringify({ pid: Number(deadPid), startTime: '1', childPgid: bystander.pid, marker: 'no-process-has-this-marker' }));

    await executor.discard('training-job/crashed');
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(bystander.pid!)).toBe(true);
  });

  it("leaves alone an operator's process that has the job's job.json on its command line (a pager, tail -f)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-discard-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3' });
    cleanups.push(() => void executor.close());
    const hostDir = join(dir, 'jobs', 'training-job', 'crashed', 'algo-1');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'job.json'), '{}');
    const reader = spawn('tail', ['-f', join(hostDir, 'job.json')], { detached: true, stdio: 'ignore' });
    cleanups.push(() => reader.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 100));

    await executor.discard('training-job/crashed');
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(reader.pid!)).toBe(true);
  });
});

describe('discard: the runner scratch of a job it ends', () => {
  it('removes the archives the runner was building: on a full disk they hold what the store needs to settle the job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-discard-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3' });
    cleanups.push(() => void executor.close());
    const deadPid = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const hostDir = join(dir, 'jobs', 'training-job', 'crashed', 'algo-1');
    // A runner killed while it wrote the model's archive (and an older runner's, in the host directory itself).
    mkdirSync(join(hostDir, 'scratch'), { recursive: true });
    writeFileSync(join(hostDir, 'runner.pid'), JSON.stringify({ pid: Number(deadPid), startTime: '1', marker: 'no-process-has-this-marker' }));
    writeFileSync(join(hostDir, 'scratch', 'model.tar.gz.partial'), Buffer.alloc(64 << 10));
    writeFileSync(join(hostDir, 'model.tar.gz.partial'), Buffer.alloc(64 << 10));

    await executor.discard('training-job/crashed');
    expect(existsSync(join(hostDir, 'scratch'))).toBe(false);
    expect(readdirSync(hostDir).filter((f) => f.includes('.tar.gz'))).toEqual([]);
    // Its events and pid file stay (the job's record is settled from what is there).
    expect(existsSync(join(hostDir, 'runner.pid'))).toBe(true);
  });
});

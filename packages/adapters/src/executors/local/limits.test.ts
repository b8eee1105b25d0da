import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { addToCgroup, createHostCgroup, detectCgroups, removeHostCgroup } from './cgroups.js';
import { LocalProcessExecutor, type LocalProcessExecutorOptions } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

let dir: string;
const executors: LocalProcessExecutor[] = [];
const events = new Map<string, ExecutorEvent[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loam-limits-'));
  const artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
  await artifacts.ensureBucket('conformance');
  await artifacts.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('x'));
});
afterAll(async () => {
  for (const e of executors) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

function executor(over: Partial<LocalProcessExecutorOptions>): LocalProcessExecutor {
  const e = new LocalProcessExecutor({ workDir: join(dir, `jobs-${executors.length}`), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', stopGraceSeconds: 2, pollIntervalMs: 50, ...over });
  e.onEvent((id, ev) => events.set(id, [...(events.get(id) ?? []), ev]));
  executors.push(e);
  return e;
}

async function exitOf(id: string, timeoutMs = 30_000): Promise<ExecutorEvent & { type: 'exit' }> {
  const t0 = Date.now();
  for (;;) {
    const e = events.get(id)?.find((x) => x.type === 'exit');
    if (e) return e as ExecutorEvent & { type: 'exit' };
    if (Date.now() - t0 > timeoutMs) throw new Error(`no exit event for ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const python = (code: string): Partial<JobSpec> => ({ image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: ['-c', code] }, metricDefinitions: [] });

describe('memory and CPU limits on the local executor (cgroups)', () => {
  it('this machine lets Loam create cgroups (CI runs as root)', () => {
    expect(detectCgroups()).toMatchObject({ supported: true });
  });

  it('a job that allocates more than its memory ends Failed: out of memory for its instance type; its cgroup is removed', async () => {
    const ex = executor({ limitsOverride: { memoryMiB: 200 } });
    // 1 GiB of touched memory (bytes * n fills every page), far above the 200 MiB limit.
    const spec = conformanceSpec({ exit: 0 }, python("import sys\nx = b'x' * (1 << 30)\nprint('survived', len(x))"));
    const id = `training-job/${spec.name}`;
    await ex.start(id, spec);
    const exit = await exitOf(id);
    expect(exit.outcome).toBe('Failed');
    expect(exit.failureReason).toMatch(/^OutOfMemoryError: the job ran out of memory for its instance type ml\.m5\.large/);
    expect(exit.platformFault).toBeFalsy(); // never retried: a bigger instance is the user's call
    const logs = (await ex.readLogs(id, { limit: 100 })).lines.map((l) => l.line);
    expect(logs).toContain('Limits for ml.m5.large: 200 MiB of memory, 1 CPU(s) (cgroup v1).'.replace('v1', `v${(detectCgroups() as { version: number }).version}`));
    expect(logs.join('\n')).not.toContain('survived');
    const support = detectCgroups();
    if (!support.supported) throw new Error(support.reason);
    const group = join(support.parents[0] as string, `training-job-${spec.name}-algo-1`);
    const t0 = Date.now();
    while (existsSync(group) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(group), `${group} should be removed`).toBe(false);
  });

  it("a CPU-bound job gets its instance's CPU quota: 0.25 CPU gives a quarter of a core's time", async () => {
    const ex = executor({ limitsOverride: { cpus: 0.25 } });
    // Busy for 1.5 s of wall time; report the CFS quota of its own cpu cgroup and the CPU time it got.
    const code = [
      'import os, time',
      "cg = [l.split(':')[2] for l in open('/proc/self/cgroup').read().splitlines() if 'cpu' in l.split(':')[1].split(',')][0]",
      "quota = open('/sys/fs/cgroup/cpu' + cg + '/cpu.cfs_quota_us').read().strip()",
      't0 = time.time(); c0 = time.process_time()',
      'while time.time() - t0 < 1.5: pass',
      "print('quota', quota, 'share', round((time.process_time() - c0) / (time.time() - t0), 3))",
    ].join('\n');
    const spec = conformanceSpec({ exit: 0 }, python(code));
    const id = `training-job/${spec.name}`;
    await ex.start(id, spec);
    const exit = await exitOf(id);
    expect(exit.failureReason).toBeUndefined();
    const line = (await ex.readLogs(id, { limit: 100 })).lines.map((l) => l.line).find((l) => l.startsWith('quota'));
    const m = /^quota (\d+) share ([0-9.]+)$/.exec(line ?? '');
    expect(m, line).not.toBeNull();
    expect(Number(m![1])).toBe(25_000); // 0.25 × the 100 ms period
    // The kernel's own accounting: a quarter of a core, not the whole core a busy loop takes unlimited.
    expect(Number(m![2])).toBeLessThan(0.4);
    expect(Number(m![2])).toBeGreaterThan(0); // it ran (on a loaded machine it may get less than its quota)
  });

  it('a starting executor removes empty groups a dead server left behind, never one in use', async () => {
    const support = detectCgroups();
    if (!support.supported) throw new Error(support.reason);
    const left = createHostCgroup(support, `training-job-leftover-${process.pid}-algo-1`, { memoryBytes: 1 << 30, cpus: 1 });
    const busy = createHostCgroup(support, `training-job-busy-${process.pid}-algo-1`, { memoryBytes: 1 << 30, cpus: 1 });
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      addToCgroup(busy, sleeper.pid as number);
      executor({});
      expect(left.dirs.map((d) => existsSync(d))).toEqual(left.dirs.map(() => false));
      expect(busy.dirs.map((d) => existsSync(d))).toEqual(busy.dirs.map(() => true));
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
      removeHostCgroup(busy);
    }
  });

  it('without cgroups the job runs unlimited and its platform log says so', async () => {
    const ex = executor({ cgroups: false });
    const spec = conformanceSpec({ exit: 0 });
    const id = `training-job/${spec.name}`;
    await ex.start(id, spec);
    expect((await exitOf(id)).outcome).toBe('Completed');
    const logs = (await ex.readLogs(id, { limit: 100 })).lines.filter((l) => l.stream === 'platform').map((l) => l.line);
    expect(logs[0]).toBe('Memory and CPU limits are not enforced on this machine (executor.cgroups is off); the job may use more than ml.m5.large offers.');
  });

  it('detection reports why when the hierarchy has no controllers', () => {
    const fake = mkdtempSync(join(dir, 'cg-'));
    expect(detectCgroups(fake)).toEqual({ supported: false, reason: `no cgroup hierarchy with memory and cpu controllers under ${fake}` });
  });

  // This machine is v1 (hybrid); the v2 file protocol is checked on a directory laid out like a
  // unified hierarchy: the values are SageMaker's instance shape in the kernel's units.
  it('cgroup v2: enables memory and cpu for its children and writes memory.max, memory.swap.max and cpu.max', () => {
    const fake = mkdtempSync(join(dir, 'v2-'));
    writeFileSync(join(fake, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
    if (own !== '/') mkdirSync(join(fake, own), { recursive: true });
    const support = detectCgroups(fake);
    expect(support).toEqual({ supported: true, version: 2, parents: [join(fake, own === '/' ? '' : own, 'loam')] });
    if (!support.supported) return;
    const g = createHostCgroup(support, 'training-job-x-algo-1', { memoryBytes: 8192 * (1 << 20), cpus: 1.5 });
    const read = (f: string) => readFileSync(join(g.dirs[0] as string, f), 'utf8');
    expect(read('memory.max')).toBe(String(8 * 2 ** 30));
    expect(read('memory.swap.max')).toBe('0');
    expect(read('cpu.max')).toBe('150000 100000');
    expect(readFileSync(join(support.parents[0] as string, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu');
  });
});

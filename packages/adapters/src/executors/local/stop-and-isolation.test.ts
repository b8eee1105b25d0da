import { createServer, type Server } from 'node:net';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

const grace = 2;
let dir: string;
let artifacts: LocalFsArtifactStore;
let executor: LocalProcessExecutor;
const events = new Map<string, ExecutorEvent[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loam-stop-'));
  artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
  await artifacts.ensureBucket('conformance');
  await artifacts.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
  executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', stopGraceSeconds: grace, pollIntervalMs: 50 });
  executor.onEvent((id, e) => events.set(id, [...(events.get(id) ?? []), e]));
});
afterAll(async () => {
  await executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Pids whose command line mentions `needle` (our own test process excluded). */
function pidsWith(needle: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** Pids whose environment holds `entry` (`NAME=value`). */
function pidsWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`).includes(Buffer.from(`${entry}\0`))) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** A process as a failure message shows it: pid, state, parent, group, session and command line. */
function describeProcess(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return `${pid} ${state} ppid=${ppid} pgrp=${pgrp} sid=${session} ${cmd}`;
  } catch {
    return `${pid} gone`;
  }
}

async function until<T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exitOf = (id: string) => events.get(id)?.find((e) => e.type === 'exit') as (ExecutorEvent & { type: 'exit' }) | undefined;

describe('StopTrainingJob on the local executor', () => {
  it('kills a tree whose grandchildren ignore SIGTERM (one even leaves the group) within the grace period + 1 s', async () => {
    const marker = `loam-stop-marker-${process.pid}`;
    // sh ignores TERM; it forks two shells that ignore TERM (named by the marker), one in a new session.
    const child = (name: string) => `sh -c "trap '' TERM; sleep 1000; :" ${marker}-${name}`;
    const script = `trap '' TERM; ${child('a')} & setsid ${child('b')} & echo started; wait`;
    const spec: JobSpec = { ...conformanceSpec({ exit: 0 }), image: { type: 'process', name: 'sh', uri: 'sh', command: '/bin/sh', args: ['-c', script] }, metricDefinitions: [] };
    const id = `training-job/${spec.name}`;
    await executor.start(id, spec);
    // The job's shell (its command line names the marker too) and its two children.
    await until(() => pidsWith(marker).length >= 3 || undefined, 20_000, 'both grandchildren');
    const t0 = Date.now();
    await executor.stop(id);
    // Every process of the job: the shells name the marker; the sleeps they ran carry only the job's environment.
    const jobMarker = Buffer.from(join(dir, 'jobs', 'training-job', spec.name, 'algo-1')).toString('base64url');
    const left = () => [...new Set([...pidsWith(marker), ...pidsWithEnv(`LOAM_JOB_MARKER=${jobMarker}`)])];
    await until(() => left().length === 0 || undefined, (grace + 3) * 1000, 'the tree to be gone').catch((e: Error) => {
      throw new Error(`${e.message}; still there: ${JSON.stringify(left().map(describeProcess))}`);
    });
    const gone = Date.now() - t0;
    expect(gone).toBeLessThanOrEqual((grace + 1) * 1000);
    expect(gone).toBeGreaterThanOrEqual(grace * 1000 - 100); // they did ignore SIGTERM: only SIGKILL ended them
    const exit = await until(() => exitOf(id), 10_000, 'the exit event');
    expect(exit.outcome).toBe('Stopped');
    expect(exit.modelArtifacts, JSON.stringify((await executor.readLogs(id, { limit: 50 })).lines)).toBe(`s3://conformance/out/${spec.name}/output/model.tar.gz`);
  });

  it('MaxRuntimeInSeconds stops the job as MaxRuntimeExceeded', async () => {
    const spec: JobSpec = { ...conformanceSpec({ exit: 0, sleepMs: 60_000 }), maxRuntimeSeconds: 2 };
    const id = `training-job/${spec.name}`;
    await executor.start(id, spec);
    const exit = await until(() => exitOf(id), 30_000, 'the exit event').catch(async (e: Error) => {
      throw new Error(`${e.message}; logs: ${JSON.stringify((await executor.readLogs(id, { limit: 50 })).lines.map((l) => l.line))}; events: ${JSON.stringify(events.get(id))}`);
    });
    expect(exit.outcome).toBe('Stopped');
    expect(exit.secondaryStatus).toBe('MaxRuntimeExceeded');
  });

  it('a managed spot job past MaxWaitTimeInSeconds (from its creation) stops as MaxWaitTimeExceeded', async () => {
    const spec: JobSpec = { ...conformanceSpec({ exit: 0, sleepMs: 60_000 }), maxRuntimeSeconds: 600, maxWaitUntil: Date.now() + 2_000 };
    const id = `training-job/${spec.name}`;
    await executor.start(id, spec);
    const exit = await until(() => exitOf(id), 30_000, 'the exit event').catch(async (e: Error) => {
      throw new Error(`${e.message}; logs: ${JSON.stringify((await executor.readLogs(id, { limit: 50 })).lines.map((l) => l.line))}; events: ${JSON.stringify(events.get(id))}`);
    });
    expect(exit.outcome).toBe('Stopped');
    expect(exit.secondaryStatus).toBe('MaxWaitTimeExceeded');
  });
});

describe('EnableNetworkIsolation', () => {
  let server: Server;
  let port: number;

  // A machine service's Unix socket under /run (world-connectable, as PostgreSQL's is on Debian).
  let unixServer: Server;
  const unixPath = `/run/loam-isolation-test-${process.pid}.sock`;

  beforeAll(async () => {
    expect(executor.capacity.networkIsolation, 'unshare --net must work on this machine (root or user namespaces)').toEqual({ supported: true });
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
    unixServer = createServer((s) => s.end());
    await new Promise<void>((r) => unixServer.listen(unixPath, () => r()));
    chmodSync(unixPath, 0o777);
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => unixServer.close(() => r()));
  });

  // The same job twice: it reads its input, tries 127.0.0.1:<port>, and writes both into its model.
  const probe = (isolated: boolean): JobSpec => ({
    ...conformanceSpec({ exit: 0 }),
    image: { type: 'process', name: 'probe', uri: 'probe', command: '/usr/bin/python3', args: [join(import.meta.dirname, '../../../../runtime/fixtures/scripts/net_probe.py'), '--port', String(port), '--unix', unixPath] },
    networkIsolation: isolated, metricDefinitions: [],
  });

  for (const isolated of [false, true]) {
    it(`${isolated ? 'cannot' : 'can'} reach a server on 127.0.0.1 or a service's socket under /run ${isolated ? 'with' : 'without'} isolation, reaches its own loopback server, and still gets its data and stores its model`, async () => {
      const spec = probe(isolated);
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      const exit = await until(() => exitOf(id), 30_000, 'the exit event');
      expect(exit.failureReason).toBeUndefined();
      expect(exit.outcome).toBe('Completed');
      const obj = await artifacts.get({ bucket: 'conformance', key: `out/${spec.name}/output/model.tar.gz` });
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      const text = gunzipSync(Buffer.concat(chunks)).toString('latin1');
      expect(text).toContain('the input data');
      expect(text).toContain(isolated ? 'UNREACHABLE' : 'REACHED');
      expect(text).toContain('LOOPBACK OK');
      expect(text).toContain(isolated ? 'UNIX UNREACHABLE' : 'UNIX REACHED');
      if (isolated) expect(text).not.toMatch(/\nREACHED/);
    });
  }
});

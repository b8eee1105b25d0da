import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const loamBin = join(repoRoot, 'packages/cli/dist/bin.js');

export function assertBuilt(): void {
  if (!existsSync(loamBin)) throw new Error(`${loamBin} is missing: run \`npm run build\` first (npm test does).`);
}

export function tempDataDir(prefix = 'loam-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface LoamProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly info: { url: string; studioLoginUrl: string; credentialsFile: string; dataDir: string; adminCreated: boolean };
  readonly startedInMs: number;
  stderr(): string;
}

/** Starts `loam up --json` from the built CLI as a real child process and waits for its startup record. */
export function startLoamProcess(dataDir: string, env: Record<string, string> = {}, extraArgs: string[] = []): Promise<LoamProcess> {
  assertBuilt();
  const t0 = performance.now();
  const child = spawn(process.execPath, [loamBin, 'up', '--port', '0', '--data-dir', dataDir, '--json', ...extraArgs], {
    env: { ...process.env, LOAM_LOG__LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loam up did not start within 30 s. stderr:\n${err}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`loam up exited with ${code} before starting. stderr:\n${err}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        const info = JSON.parse(line) as LoamProcess['info'];
        resolve({ child, url: info.url, info, startedInMs: performance.now() - t0, stderr: () => err });
      }
    });
  });
}

/** Runs the built `loam` CLI to completion. */
export function runLoam(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [loamBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export function waitForExit(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/**
 * Stops a test's `loam up` for good: SIGTERM, SIGKILL when it has not exited after `timeoutMs`; then
 * the job runners it leaves are ended with their jobs' processes (they are detached so that a restarted
 * server adopts them, so they outlive it). For the end of a test, never for a restart the test wants
 * its jobs to survive (kill the child itself there).
 */
export async function stopLoamProcess(p: LoamProcess | undefined, timeoutMs = 15_000): Promise<void> {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    await waitForExit(p.child, timeoutMs).catch(async () => {
      p.child.kill('SIGKILL');
      await waitForExit(p.child);
    });
  }
  await endDetachedJobs(join(p.info.dataDir, 'jobs'));
}

/**
 * Removes a test's data directory once its servers are stopped: whatever job still runs under it (its
 * runner writing into its job folder made a single removal fail with ENOTEMPTY) is ended first.
 */
export async function removeDataDir(dataDir: string): Promise<void> {
  await endDetachedJobs(join(dataDir, 'jobs'));
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** A REST call as the given token: the parsed answer, or an error naming the call and its status. */
export async function restCall(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The live children of process `pid` whose command line contains `cmdline` (all of them when omitted). Linux only. */
export function childPids(pid: number, cmdline?: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (cmdline === undefined || readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(cmdline)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** Whether a process with this pid exists (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

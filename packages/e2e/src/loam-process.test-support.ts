import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

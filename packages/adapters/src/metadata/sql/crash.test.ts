import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { crashSpec } from './crash-writer.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../../../..');
const dir = mkdtempSync(join(tmpdir(), 'loam-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer and SIGKILLs it once `killAfter` writes were acknowledged; returns every acknowledged key. */
function writeThenKill(dbPath: string, killAfter: number): Promise<{ acked: string[]; finished: boolean; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=loam-src', '--import', 'tsx', join(here, 'crash-writer.ts'), `sqlite:${dbPath}`, '1000'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let finished = false;
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer acknowledged only ${acked.length} writes in 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('rec-')) acked.push(line);
        if (line === 'done') finished = true;
      }
      if (acked.length >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === null && code !== 0) reject(new Error(`the writer exited with ${code}: ${stderr}`));
      else resolve({ acked, finished, signal });
    });
  });
}

describe('SQLite metadata store survives kill -9 during 1,000 concurrent writes', () => {
  for (const killAfter of [100, 450]) {
    it(`killed after ${killAfter} acknowledged writes: integrity ok, every acknowledged write present`, async () => {
      const dbPath = join(dir, `crash-${killAfter}.db`);
      const { acked, finished, signal } = await writeThenKill(dbPath, killAfter);
      expect(signal).toBe('SIGKILL');
      expect(finished, 'the writer finished before the kill; the test did not crash it mid-way').toBe(false);
      expect(acked.length).toBeGreaterThanOrEqual(killAfter);
      expect(acked.length).toBeLessThan(1000);

      const raw = new Database(dbPath);
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        raw.close();
      }
      const store = await openSqlMetadataStore({ url: `sqlite:${dbPath}`, collections: [crashSpec] });
      try {
        const records = store.collection(crashSpec);
        const missing: string[] = [];
        for (const key of acked) {
          const got = await records.get(key);
          if (got?.value.key !== key || got.version !== 1) missing.push(key);
        }
        expect(missing).toEqual([]);
        // Transactions are atomic across the crash: a record of one has its tag, and a tag its record.
        for (let i = 0; i < 1000; i += 10) {
          const key = `rec-${String(i).padStart(4, '0')}`;
          const hasRecord = (await records.get(key)) !== undefined;
          const hasTag = (await store.tags.list(`arn:${key}`)).length === 1;
          expect(hasTag, key).toBe(hasRecord);
        }
        const stored = await records.count();
        expect(stored).toBeGreaterThanOrEqual(acked.length);
        expect(stored).toBeLessThan(1000);
      } finally {
        await store.close();
      }
    }, 90_000);
  }
});

import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loamBin, startLoamProcess, stopLoamProcess, tempDataDir, waitForExit } from '../loam-process.test-support.js';

/** Migrations recorded in a SQLite database: 0 when it has no migration table yet. */
function recorded(file: string, table: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } catch (e) {
    if (/no such table/.test((e as Error).message)) return 0;
    throw e;
  } finally {
    db.close();
  }
}

// A first start migrates two SQLite databases from nothing (over a hundred metadata migrations). Each
// metadata migration used to run statement by statement outside any transaction (Kysely's SqliteAdapter
// says SQLite DDL is not transactional), so kill -9 between a migration's CREATE TABLE and the row
// recording it left a database every later start refused ("table already exists", "duplicate column
// name"): the data directory could never serve again. Killed at any moment of its first start, the
// next start must succeed with every migration applied once.
describe('kill -9 of the server during its first start (migrations)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('leaves each database all migrated or not at all, and the next start succeeds', async () => {
    const outcomes: string[] = [];
    let total: number | undefined;
    for (let trial = 0; trial < 8; trial++) {
      const dataDir = tempDataDir('loam-first-start-');
      dirs.push(dataDir);
      const db = join(dataDir, 'loam.db');
      const child = spawn(process.execPath, [loamBin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], { env: { ...process.env, LOAM_LOG__LEVEL: 'warn' }, stdio: 'ignore' });
      const t0 = Date.now();
      while (!existsSync(db)) {
        if (Date.now() - t0 > 30_000) throw new Error('loam up never created its database');
        await new Promise((r) => setTimeout(r, 1));
      }
      // Spread over the migration window (about 100 ms on a loaded 2-core machine from the file's creation).
      await new Promise((r) => setTimeout(r, trial * 20));
      child.kill('SIGKILL');
      await waitForExit(child);
      const afterKill = recorded(db, 'kysely_migration');

      const again = await startLoamProcess(dataDir).catch((e: Error) => e);
      if (again instanceof Error) {
        outcomes.push(`trial ${trial} (killed with ${afterKill} migrations recorded): ${again.message.split('\n').filter((l) => /error|failed/i.test(l)).slice(-2).join(' ')}`);
        continue;
      }
      await stopLoamProcess(again);
      total ??= recorded(db, 'kysely_migration');
      // All or nothing: a migration half done would be done again on the next start, and fail.
      if (afterKill !== 0 && afterKill !== total) outcomes.push(`trial ${trial}: killed with ${afterKill} of ${total} migrations recorded`);
      expect(recorded(db, 'kysely_migration')).toBe(total);
      expect(recorded(join(dataDir, 'experiments.db'), 'loam_experiments_migration')).toBeGreaterThan(0);
    }
    expect(outcomes).toEqual([]);
  }, 240_000);
});

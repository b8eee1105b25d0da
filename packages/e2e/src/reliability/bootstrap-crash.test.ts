import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { loamBin, restCall, startLoamProcess, stopLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

/** Users stored in the data directory's metadata database (0 before its table exists). */
function storedUsers(dataDir: string): number {
  const file = join(dataDir, 'loam.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from users').get() as { n: number }).n;
  } catch {
    return 0; // not migrated yet
  } finally {
    db.close();
  }
}

// The first start creates the admin (user, AdministratorAccess, access key, API token: four writes)
// and only then wrote the credentials file, the one place its secrets are ever shown. kill -9 in
// between left an admin nobody holds a key for, and every later start skipped the bootstrap (a user
// exists): no credentials file, and, killed before the policy was attached, an admin who may do nothing.
describe('kill -9 of the server while it bootstraps the admin', () => {
  const dirs: string[] = [];
  let again: LoamProcess | undefined;
  afterEach(async () => {
    await stopLoamProcess(again);
    again = undefined;
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('never leaves an admin without a credentials file that works', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const dataDir = tempDataDir('loam-bootstrap-crash-');
      dirs.push(dataDir);
      const child = spawn(process.execPath, [loamBin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], { env: { ...process.env, LOAM_LOG__LEVEL: 'warn' }, stdio: 'ignore' });
      const credentials = join(dataDir, 'credentials');
      // Killed the moment the admin is stored or its credentials file written, whichever comes first.
      const t0 = Date.now();
      while (storedUsers(dataDir) === 0 && !existsSync(credentials)) {
        if (Date.now() - t0 > 30_000) throw new Error('loam up never bootstrapped its admin');
        await new Promise((r) => setTimeout(r, 1));
      }
      child.kill('SIGKILL');
      await waitForExit(child);

      again = await startLoamProcess(dataDir);
      expect(existsSync(credentials)).toBe(true);
      const token = readCredentialsProfile(credentials)?.loam_api_token as string;
      // The admin in the file is an administrator: it may list users and create one.
      expect((await restCall(again.url, token, 'GET', '/api/v1/users')).Users.map((u: { UserName: string }) => u.UserName)).toEqual(['admin']);
      expect((await restCall(again.url, token, 'POST', '/api/v1/users', { UserName: `ana-${trial}` })).User.UserName).toBe(`ana-${trial}`);
      await stopLoamProcess(again);
      again = undefined;
    }
  }, 180_000);
});

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { repoRoot, runLoam, startLoamProcess, stopLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// `loam admin forget-unreadable-access-keys` deletes the keys in the metadata store, then rewrites the [loam]
// profile of <data-dir>/credentials. A process killed between the two left the file naming a deleted key, and
// nothing repaired it: the next run found nothing to delete, `loam up` kept the file, and boto3 with the profile
// signed every request with a key the server refuses. Here the run is a real child process paused at that point
// (its logger, which logs each deleted key after the deletes and before the file is written, blocks there) and
// killed with SIGKILL; the next run of the command repairs the file, and so does the next `loam up`.

/** Runs forgetUnreadableAccessKeys from the built server in a child process that stops when it logs a deleted key. */
function forgetPausedAfterDeletes(dataDir: string): Promise<{ kill(): Promise<void> }> {
  const script = `
    import { writeSync } from 'node:fs';
    import { forgetUnreadableAccessKeys } from '@loam/server';
    const logger = {
      debug() {}, info() {}, error() {}, child: () => logger,
      warn(_fields, message) {
        if (!message.startsWith('access key deleted')) return;
        writeSync(1, 'paused\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
      },
    };
    await forgetUnreadableAccessKeys({ dataDir: process.argv[1] }, { logger, env: { LOAM_LOG__LEVEL: 'silent' } });
    writeSync(1, 'finished\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the forget run ended (${code}) without pausing: ${out}${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('paused\n')) resolve({ kill: async () => { child.kill('SIGKILL'); await waitForExit(child); } });
    });
  });
}

describe('kill -9 of forget-unreadable-access-keys between the deletes and the credentials file', () => {
  // A data directory per attempt: a retry must not meet what a failed attempt left.
  let dataDir = '';
  let loam: LoamProcess | undefined;
  beforeEach(() => {
    dataDir = tempDataDir('loam-creds-crash-');
  });
  afterEach(async () => {
    await stopLoamProcess(loam);
    loam = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves a file the next forget run and the next loam up repair: [loam] no longer names the deleted key', async () => {
    loam = await startLoamProcess(dataDir);
    const file = loam.info.credentialsFile;
    const before = readCredentialsProfile(file) ?? {};
    const keyId = before['aws_access_key_id'] as string;
    expect(keyId).toMatch(/^[A-Z0-9]{16,}$/);
    await stopLoamProcess(loam);
    loam = undefined;

    // server.key lost and replaced: the admin's key can no longer be opened.
    writeFileSync(join(dataDir, 'server.key'), randomBytes(32), { mode: 0o600 });
    const run = await forgetPausedAfterDeletes(dataDir);
    await run.kill();
    // The crash window is real: the key is deleted (the next run deletes nothing) and the file still names it.
    const stale = readFileSync(file, 'utf8');
    expect(readCredentialsProfile(file)?.['aws_access_key_id']).toBe(keyId);

    const again = await runLoam(['admin', 'forget-unreadable-access-keys', '--data-dir', dataDir, '--json'], { LOAM_LOG__LEVEL: 'silent' });
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(JSON.parse(again.stdout)).toEqual({
      DataDir: dataDir, DeletedAccessKeys: [],
      UpdatedCredentialsProfile: { File: file, Profile: 'loam', RemovedAccessKeyId: keyId },
    });
    const repaired = readCredentialsProfile(file) ?? {};
    expect(repaired['aws_access_key_id']).toBeUndefined();
    expect(repaired['aws_secret_access_key']).toBeUndefined();
    expect(repaired['loam_api_token']).toBe(before['loam_api_token']);

    // The same stale file met by `loam up` instead: it removes the key lines at start, and says so.
    writeFileSync(file, stale, { mode: 0o600 });
    loam = await startLoamProcess(dataDir);
    const atStart = readCredentialsProfile(file) ?? {};
    expect([atStart['aws_access_key_id'], atStart['aws_secret_access_key'], atStart['loam_endpoint']]).toEqual([undefined, undefined, loam.url]);
    // Logged before `loam up` printed its address; the pipe may deliver it a moment later.
    for (let i = 0; i < 100 && !loam.stderr().includes('credentials profile named an access key'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(loam.stderr()).toContain('credentials profile named an access key the server does not hold');
    // The API token kept in the profile still works.
    const users = await fetch(`${loam.url}/api/v1/users`, { headers: { authorization: `Bearer ${atStart['loam_api_token']}` } });
    expect(users.status).toBe(200);
  }, 240_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { botocoreProfiles } from '@loam/testkit/peers/botocore-config';
import { forgetCredentialsKey, updateCredentialsEndpoint, writeCredentialsFile } from './credentials-file.js';
import { holdLock } from './credentials-lock.test-support.js';

// The lock on the credentials file (credentials-lock.ts) as writers meet it: another process holding it, and a writer
// whose rewrite stalls (a slow disk) while another waits.

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** A directory per attempt: a retry meets nothing an earlier attempt left. */
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'loam-creds-lock-'));
  dirs.push(d);
  return d;
}

describe('a key forget while another process holds the lock', () => {
  it('waits without blocking the event loop: timers (and so a server\'s other requests) run meanwhile', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'credentials'), '[loam]\naws_access_key_id = LKIAFIRST\naws_secret_access_key = secret\nloam_api_token = loam_tok\n', { mode: 0o600 });
    // Released after 5 s on its own: the old wait blocked this process, which could not tell it to.
    const holder = await holdLock(join(dir, 'credentials.lock'), 5_000);
    children.push(holder.child);
    const started = Date.now();
    const tick = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now() - started), 50));
    let done = false;
    const forgetting = Promise.resolve(forgetCredentialsKey(dir, ['LKIAFIRST'])).finally(() => (done = true));
    // The old wait (Atomics.wait) held every timer back until the lock was released.
    expect(await tick).toBeLessThan(1_000);
    expect(done).toBe(false);
    await holder.release();
    expect((await forgetting)?.accessKeyId).toBe('LKIAFIRST');
    expect(botocoreProfiles(join(dir, 'credentials'))).toEqual({ loam: { loam_api_token: 'loam_tok' } });
  }, 60_000);
});

/**
 * Runs writeCredentialsFile (key LKIAA) in another process whose write of the temporary file stalls `stallMs` (a slow
 * disk), the old synchronous write and the new asynchronous one alike. Resolves once the write stalls, with the
 * process's end: its exit code and what it printed.
 */
async function stalledWriter(dir: string, stallMs: number): Promise<{ ended: Promise<{ code: number | null; out: string }> }> {
  const probe = `
    import { createRequire, syncBuiltinESMExports } from 'node:module';
    const fs = createRequire(process.cwd() + '/')('node:fs');
    const [dir, stall] = ${JSON.stringify([dir, stallMs])};
    const say = (line) => fs.writeSync(1, line + '\\n');
    const open = fs.promises.open;
    fs.promises.open = async (path, ...rest) => {
      if (String(path).includes('.tmp-')) { say('stalled'); await new Promise((r) => setTimeout(r, stall)); }
      return open(path, ...rest);
    };
    const writeFileSync = fs.writeFileSync;
    fs.writeFileSync = (path, ...rest) => {
      if (String(path).includes('.tmp-')) { say('stalled'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stall); }
      return writeFileSync(path, ...rest);
    };
    syncBuiltinESMExports();
    const m = await import(${JSON.stringify(join(here, 'credentials-file.ts'))});
    try {
      await m.writeCredentialsFile(dir, { accessKeyId: 'LKIAA', secretAccessKey: 'a-secret', apiToken: 'loam_a', region: 'us-east-1', endpoint: 'http://a.test' });
      say('written');
    } catch (e) {
      say('failed: ' + e.message);
      process.exitCode = 3;
    }`;
  const child = spawn(process.execPath, ['--conditions=loam-src', '--import', 'tsx', '--no-warnings', '--input-type=module', '-e', probe], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const ended = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('stalled\n')) resolve();
    });
    void ended.then(({ code }) => reject(new Error(`the writer ended (${code}) before its write stalled: ${out}`)));
  });
  return { ended };
}

describe('a writer whose rewrite stalls while it holds the lock', () => {
  it('keeps its lock fresh, so a writer waiting for it does not take it over as stale and lose its update', async () => {
    const dir = dataDir();
    const lock = join(dir, 'credentials.lock');
    writeFileSync(join(dir, 'credentials'), '[loam]\naws_access_key_id = LKIAOLD\nloam_endpoint = http://old.test\n', { mode: 0o600 });
    const a = await stalledWriter(dir, 14_000);
    // As if A had stalled for 50 s already: its lock untouched since, 10 s short of stale (60 s).
    const then = (Date.now() - 50_000) / 1000;
    utimesSync(lock, then, then);
    const started = Date.now();
    await updateCredentialsEndpoint(dir, 'http://b.test');
    // B waited for A: A's heartbeat refreshed the lock. It took the lock over after 10 s before, and wrote its
    // endpoint; A, ending its stall, renamed the copy it had read before B's change over the file: B's update lost.
    expect(Date.now() - started).toBeGreaterThan(5_000);
    expect(await a.ended).toEqual({ code: 0, out: 'stalled\nwritten\n' });
    expect(botocoreProfiles(join(dir, 'credentials'))).toMatchObject({ loam: { aws_access_key_id: 'LKIAA', loam_endpoint: 'http://b.test' } });
    expect(readdirSync(dir)).toEqual(['credentials']);
  }, 120_000);

  it('fails naming the lock, changing nothing, when its lock was taken meanwhile (deleted by hand, another writer wrote)', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[loam]\naws_access_key_id = LKIAOLD\nloam_endpoint = http://old.test\n', { mode: 0o600 });
    const a = await stalledWriter(dir, 3_000);
    // What the wait's error message says to do when no Loam process writes the file; then B takes the lock.
    rmSync(join(dir, 'credentials.lock'));
    await updateCredentialsEndpoint(dir, 'http://b.test');
    const { code, out } = await a.ended;
    // A renamed its copy over B's (read before B's change): B's endpoint was lost, and A said it had written.
    expect([code, out]).toEqual([3, expect.stringContaining(`failed: Could not update the credentials file ${file}: this process held its lock ${file}.lock for`)]);
    expect(out).toContain('and lost it before writing (the lock there now: none)');
    expect(botocoreProfiles(file)).toEqual({ loam: { aws_access_key_id: 'LKIAOLD', loam_endpoint: 'http://b.test' } });
    expect(readdirSync(dir)).toEqual(['credentials']);
  }, 60_000);
});

describe('updates in one process naming one file by different paths', () => {
  it('run one after the other: a symbolic link to the data directory and a relative path neither break the other\'s lock nor share its temporary file', async () => {
    const base = dataDir();
    const real = join(base, 'real');
    const alias = join(base, 'alias');
    mkdirSync(real);
    symlinkSync(real, alias);
    const file = join(real, 'credentials');
    writeFileSync(file, '[loam]\naws_access_key_id = LKIAOLD\nloam_endpoint = http://old.test\n', { mode: 0o600 });
    const paths = [real, alias, relative(process.cwd(), real)];
    const endpoints = Array.from({ length: 12 }, (_, i) => `http://e${i}.test`);
    // The queue was keyed by the path given: each path's update took our own pid's lock (another path's) for a dead
    // process's, broke it, and the holder failed with ELOCKLOST or found its temporary file renamed by the other.
    const results = await Promise.allSettled([
      writeCredentialsFile(alias, { accessKeyId: 'LKIANEW', secretAccessKey: 'new-secret', apiToken: 'loam_new', region: 'us-east-1', endpoint: 'http://new.test' }),
      ...endpoints.map((e, i) => updateCredentialsEndpoint(paths[i % paths.length] as string, e)),
    ]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const profiles = botocoreProfiles(file);
    expect(profiles).toMatchObject({ loam: { aws_access_key_id: 'LKIANEW', aws_secret_access_key: 'new-secret', loam_api_token: 'loam_new' } });
    expect(['http://new.test', ...endpoints]).toContain((profiles as Record<string, Record<string, string>>)['loam']?.['loam_endpoint']);
    expect(readdirSync(real)).toEqual(['credentials']);
  }, 60_000);
});

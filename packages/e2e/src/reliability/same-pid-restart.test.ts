import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readCredentialsProfile } from '@loam/cli';
import { childPids, loamBin, tempDataDir, waitForExit } from '../loam-process.test-support.js';

const MiB = 1024 * 1024;

// In a container `loam up` is the same pid (1) at every start. The start-up sweep of the local-fs store
// keeps a temp file whose writer (the pid in its name) still runs, and took its own pid for a live
// writer: the temp files of the killed run were kept after every restart (until an hour old, and only
// swept at a start), with the space they hold, and their directories refused a put of the key at
// their path. Run here as pid 1 of a new pid namespace, as a container runs it (root only).
const cannot = process.platform !== 'linux' ? 'pid namespaces need Linux'
  : process.getuid?.() !== 0 ? 'a new pid namespace needs root (the test runs as a normal user)'
    : spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'true']).status !== 0 ? 'unshare --pid --fork --kill-child --mount-proc does not work here' : undefined;

interface Pid1Loam { readonly unshare: ChildProcess; readonly url: string; readonly credentialsFile: string }

/** `loam up` as pid 1 of a new pid namespace; resolves with its startup record. */
function startAsPid1(dataDir: string): Promise<Pid1Loam> {
  const unshare = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, loamBin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], {
    env: { ...process.env, LOAM_LOG__LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  unshare.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loam up did not start within 30 s. stderr:\n${err}`)), 30_000);
    unshare.on('exit', (code) => reject(new Error(`loam up exited with ${code} before starting. stderr:\n${err}`)));
    unshare.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const info = JSON.parse(out.split('\n')[0]!) as { url: string; credentialsFile: string };
      resolve({ unshare, url: info.url, credentialsFile: info.credentialsFile });
    });
  });
}

/** kill -9 of the server (pid 1 inside: the namespace ends with it). */
async function kill9(p: Pid1Loam): Promise<void> {
  const [server] = childPids(p.unshare.pid!);
  if (server === undefined) throw new Error('no loam process under unshare');
  process.kill(server, 'SIGKILL');
  await waitForExit(p.unshare);
}

function s3(p: Pid1Loam): S3Client {
  const creds = readCredentialsProfile(p.credentialsFile) ?? {};
  return new S3Client({
    endpoint: p.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: creds['aws_access_key_id'] as string, secretAccessKey: creds['aws_secret_access_key'] as string },
  });
}

const temps = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('.loam-tmp-')) : []);

describe.skipIf(cannot !== undefined)('a restart under the same pid (a container\'s pid 1)', () => {
  // Each attempt (CI retries a failed test) on a data directory and server of its own.
  const dataDirs: string[] = [];
  let loam: Pid1Loam | undefined;
  afterEach(async () => {
    if (loam && loam.unshare.exitCode === null && loam.unshare.signalCode === null) {
      // unshare passes no signal on: the server (pid 1 inside) is stopped itself, and unshare exits with it.
      for (const pid of childPids(loam.unshare.pid!)) process.kill(pid, 'SIGTERM');
      await waitForExit(loam.unshare, 15_000).catch(() => loam?.unshare.kill('SIGKILL')); // --kill-child ends the server
    }
    loam = undefined;
  });
  afterAll(() => {
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  });

  it('removes the temp files of the killed run, so their keys are free', async () => {
    const dataDir = tempDataDir('loam-same-pid-');
    dataDirs.push(dataDir);
    loam = await startAsPid1(dataDir);
    await s3(loam).send(new CreateBucketCommand({ Bucket: 'same-pid' }));
    const body = new PassThrough();
    body.write(Buffer.alloc(MiB, 1));
    const inFlight = s3(loam).send(new PutObjectCommand({ Bucket: 'same-pid', Key: 'a/b/big.bin', Body: body, ContentLength: 64 * MiB })).catch((e: Error) => e);
    const dir = join(dataDir, 'artifacts', 'same-pid', 'a', 'b');
    const t0 = Date.now();
    while (temps(dir).length === 0) {
      if (Date.now() - t0 > 30_000) throw new Error('the put never started writing');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(temps(dir)[0]).toMatch(/^\.loam-tmp-1-/);
    await kill9(loam);
    expect(await inFlight).toBeInstanceOf(Error);
    body.destroy();

    loam = await startAsPid1(dataDir);
    expect(temps(dir)).toEqual([]);
    await s3(loam).send(new PutObjectCommand({ Bucket: 'same-pid', Key: 'a/b', Body: 'at the prefix' }));
    const got = await s3(loam).send(new GetObjectCommand({ Bucket: 'same-pid', Key: 'a/b' }));
    expect(await got.Body!.transformToString()).toBe('at the prefix');
  }, 120_000);
});

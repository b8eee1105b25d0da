import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readCredentialsProfile } from '@loam/cli';
import { startLoamProcess, stopLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array) => `"${createHash('md5').update(b).digest('hex')}"`;

function s3(loam: LoamProcess): S3Client {
  const creds = readCredentialsProfile(loam.info.credentialsFile) ?? {};
  return new S3Client({
    endpoint: loam.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: creds['aws_access_key_id'] as string, secretAccessKey: creds['aws_secret_access_key'] as string },
  });
}

/** Every file and directory under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Starts a PutObject whose body stops after its first MiB, and waits until the server is writing it. */
async function putCutShort(c: S3Client, bucketDir: string, Key: string): Promise<{ inFlight: Promise<unknown>; body: PassThrough; abort: AbortController }> {
  const body = new PassThrough();
  body.write(randomBytes(MiB));
  const abort = new AbortController();
  const inFlight = c.send(new PutObjectCommand({ Bucket: 'put-crash', Key, Body: body, ContentLength: 64 * MiB }), { abortSignal: abort.signal }).catch((e: Error) => e);
  const t0 = Date.now();
  const dir = join(bucketDir, ...Key.split('/').slice(0, -1));
  while (!(existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('.loam-tmp-')))) {
    if (Date.now() - t0 > 30_000) throw new Error(`no object being written: ${tree(bucketDir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { inFlight, body, abort };
}

// A PutObject to a/b/c makes the directories a/ and a/b/ for it (the local-fs store keeps '/' as
// directories). When the put never completed (the client went away, or the server was killed) they
// stayed, empty: no object was listed, yet PutObject of 'a/b' was refused as "a prefix of other
// objects" for ever.
describe('a PutObject that never completes (client gone, or kill -9 of the server)', () => {
  // Each attempt (CI retries a failed test) on a data directory and server of its own.
  const dataDirs: string[] = [];
  let loam: LoamProcess | undefined;
  afterEach(async () => {
    await stopLoamProcess(loam);
    loam = undefined;
  });
  afterAll(() => {
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  });

  it('leaves nothing that blocks a key: no object, no temp file, no directory', async () => {
    const dataDir = tempDataDir('loam-put-crash-');
    dataDirs.push(dataDir);
    const bucketDir = join(dataDir, 'artifacts', 'put-crash');
    loam = await startLoamProcess(dataDir);
    let c = s3(loam);
    await c.send(new CreateBucketCommand({ Bucket: 'put-crash' }));
    const kept = randomBytes(3 * MiB);
    const keptTag = (await c.send(new PutObjectCommand({ Bucket: 'put-crash', Key: 'kept/object.bin', Body: kept }))).ETag;
    expect(keptTag).toBe(md5(kept));

    // The client goes away mid-body.
    const aborted = await putCutShort(c, bucketDir, 'gone/away/big.bin');
    aborted.abort.abort();
    expect(await aborted.inFlight).toBeInstanceOf(Error);
    aborted.body.destroy();
    // The server is killed mid-body.
    const killed = await putCutShort(c, bucketDir, 'killed/mid/big.bin');
    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    expect(await killed.inFlight).toBeInstanceOf(Error);
    killed.body.destroy();

    loam = await startLoamProcess(dataDir);
    c = s3(loam);
    const listed = await c.send(new ListObjectsV2Command({ Bucket: 'put-crash' }));
    expect(listed.Contents?.map((o) => [o.Key, o.ETag, o.Size])).toEqual([['kept/object.bin', keptTag, 3 * MiB]]);
    expect((await c.send(new ListObjectsV2Command({ Bucket: 'put-crash', Delimiter: '/' }))).CommonPrefixes?.map((p) => p.Prefix)).toEqual(['kept/']);
    for (const Key of ['gone/away/big.bin', 'killed/mid/big.bin']) {
      expect(await c.send(new HeadObjectCommand({ Bucket: 'put-crash', Key })).catch((e: { name: string }) => e.name)).toBe('NotFound');
    }
    // Nothing of the two puts is left on disk: their temp files and the directories made for them.
    expect(tree(bucketDir)).toEqual(['kept', join('kept', 'object.bin')]);
    // So the keys at their prefixes are free.
    for (const Key of ['gone/away', 'killed/mid']) {
      const body = randomBytes(1000);
      expect((await c.send(new PutObjectCommand({ Bucket: 'put-crash', Key, Body: body }))).ETag).toBe(md5(body));
      expect(md5(await (await c.send(new GetObjectCommand({ Bucket: 'put-crash', Key }))).Body!.transformToByteArray())).toBe(md5(body));
    }
    const got = await c.send(new GetObjectCommand({ Bucket: 'put-crash', Key: 'kept/object.bin' }));
    expect([got.ETag, md5(await got.Body!.transformToByteArray())]).toEqual([keptTag, keptTag]);
  }, 120_000);
});

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { readCredentialsProfile } from '@loam/cli';
import { startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array) => `"${createHash('md5').update(b).digest('hex')}"`;

function s3(loam: LoamProcess): S3Client {
  const creds = readCredentialsProfile(loam.info.credentialsFile) ?? {};
  return new S3Client({
    endpoint: loam.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: creds['aws_access_key_id'] as string, secretAccessKey: creds['aws_secret_access_key'] as string },
  });
}

/** Every file under the multipart staging area, relative to it. */
function staged(dataDir: string): string[] {
  const root = join(dataDir, 's3-multipart');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((u) => readdirSync(join(root, u)).map((f) => `${u}/${f}`)).sort();
}

describe('kill -9 of the server during a multipart upload', () => {
  // Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
  // failed attempt left there (the names it created, its jobs).
  let dataDir = '';
  beforeEach(() => {
    dataDir = tempDataDir('loam-mpu-crash-');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged part, leaves no temp file after restart, and completes whole', async () => {
    const loam = await startLoamProcess(dataDir);
    const c = s3(loam);
    await c.send(new CreateBucketCommand({ Bucket: 'mpu-crash' }));
    const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: 'mpu-crash', Key: 'big.bin' }));
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(2 * MiB)];
    const etags: string[] = [];
    for (const [i, Body] of parts.slice(0, 2).entries()) {
      etags.push((await c.send(new UploadPartCommand({ Bucket: 'mpu-crash', Key: 'big.bin', UploadId, PartNumber: i + 1, Body }))).ETag as string);
    }
    // Part 3 is on its way (its first MiB written, the rest never sent) when the server dies.
    const body = new PassThrough();
    body.write(randomBytes(MiB));
    const inFlight = c.send(new UploadPartCommand({ Bucket: 'mpu-crash', Key: 'big.bin', UploadId, PartNumber: 3, Body: body, ContentLength: 4 * MiB })).catch((e: Error) => e);
    const t0 = Date.now();
    while (!staged(dataDir).some((f) => f.endsWith('.tmp'))) {
      if (Date.now() - t0 > 30_000) throw new Error(`no part being written: ${staged(dataDir).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    expect(await inFlight).toBeInstanceOf(Error);
    body.destroy();

    const again = await startLoamProcess(dataDir);
    try {
      const c2 = s3(again);
      // The part cut off by the crash left nothing: no temp file, no part.
      expect(staged(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const listed = await c2.send(new ListPartsCommand({ Bucket: 'mpu-crash', Key: 'big.bin', UploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, etags[0], 5 * MiB], [2, etags[1], 5 * MiB]]);
      expect((await c2.send(new ListMultipartUploadsCommand({ Bucket: 'mpu-crash' }))).Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
      etags.push((await c2.send(new UploadPartCommand({ Bucket: 'mpu-crash', Key: 'big.bin', UploadId, PartNumber: 3, Body: parts[2] }))).ETag as string);
      await c2.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu-crash', Key: 'big.bin', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
      const got = Buffer.from(await (await c2.send(new GetObjectCommand({ Bucket: 'mpu-crash', Key: 'big.bin' }))).Body!.transformToByteArray());
      expect(md5(got)).toBe(md5(Buffer.concat(parts)));
      expect(staged(dataDir)).toEqual([]);
    } finally {
      again.child.kill('SIGTERM');
      await waitForExit(again.child);
    }
  }, 120_000);
});

import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { adminS3Client, sdkErrorOf } from './s3.test-support.js';

let loam: TestLoam;
let url: string;

beforeAll(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
});
afterAll(async () => loam?.close());

const quotedMd5 = (b: Uint8Array) => `"${createHash('md5').update(b).digest('hex')}"`;

describe('S3 multipart: a part uploaded again', () => {
  // Each upload of a part used to rename its bytes onto part-<n> and then write part-<n>.json: two
  // uploads of one part interleaving (a client's retry racing the original, or a crash between the
  // two steps) left one upload's ETag recorded over the other's bytes, and CompleteMultipartUpload
  // then stored bytes that were not the ones its parts' ETags (and the object's ETag) named.
  it('is one upload or the other, whole: the ETag listed and completed always names the bytes stored', async () => {
    const c = adminS3Client(loam, url);
    await c.send(new CreateBucketCommand({ Bucket: 'reparts' }));
    for (let round = 0; round < 25; round++) {
      const Key = `k${round}`;
      const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: 'reparts', Key }));
      const bodies = Array.from({ length: 6 }, () => randomBytes(64 * 1024));
      const acked = await Promise.all(bodies.map(async (Body) => (await c.send(new UploadPartCommand({ Bucket: 'reparts', Key, UploadId, PartNumber: 1, Body }))).ETag as string));
      expect(acked).toEqual(bodies.map(quotedMd5));
      const listed = (await c.send(new ListPartsCommand({ Bucket: 'reparts', Key, UploadId }))).Parts ?? [];
      expect(listed).toHaveLength(1);
      const etag = listed[0]!.ETag as string;
      expect(acked).toContain(etag);
      // A replaced part's ETag no longer names anything the upload holds.
      const stale = acked.find((e) => e !== etag) as string;
      expect(await sdkErrorOf(c.send(new CompleteMultipartUploadCommand({ Bucket: 'reparts', Key, UploadId, MultipartUpload: { Parts: [{ ETag: stale, PartNumber: 1 }] } })))).toMatchObject({ name: 'InvalidPart', status: 400 });
      await c.send(new CompleteMultipartUploadCommand({ Bucket: 'reparts', Key, UploadId, MultipartUpload: { Parts: [{ ETag: etag, PartNumber: 1 }] } }));
      const got = Buffer.from(await (await c.send(new GetObjectCommand({ Bucket: 'reparts', Key }))).Body!.transformToByteArray());
      expect(quotedMd5(got), `round ${round}: the object's bytes are the part whose ETag was completed`).toBe(etag);
      // Completing removed the upload's directory, the replaced uploads' bytes with it.
      expect(await readdir(join(loam.dataDir, 's3-multipart'))).not.toContain(UploadId);
    }
  }, 120_000);
});

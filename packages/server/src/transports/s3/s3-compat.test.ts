import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

let loam: TestLoam;
let url: string;

const s3 = (extra: Partial<S3ClientConfig> = {}) =>
  new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey },
    ...extra,
  });

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, ...(err.$metadata?.httpStatusCode !== undefined ? { status: err.$metadata.httpStatusCode } : {}) };
  }
  return { name: 'resolved', message: '' };
}

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(loam.app.server.address() as { port: number }).port}`;
});
afterAll(async () => loam?.close());

describe('S3 API compatibility details', () => {
  it('Signature Version 2 is refused with a message naming the boto3 and aws CLI fixes', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'sigv2' }));
    const presigned = await fetch(`${url}/sigv2/k?AWSAccessKeyId=${loam.adminAccessKeyId}&Expires=9999999999&Signature=abc%3D`);
    const body = await presigned.text();
    expect(presigned.status).toBe(400);
    expect(body).toContain('<Code>InvalidRequest</Code>');
    expect(body).toContain('Config(signature_version=&quot;s3v4&quot;)');
    expect(body).toContain('aws CLI v1');
    expect(body).toContain('signature_version = s3v4');
    const header = await fetch(`${url}/sigv2/k`, { method: 'PUT', body: 'x', headers: { authorization: `AWS ${loam.adminAccessKeyId}:abc=` } });
    expect(header.status).toBe(400);
    expect(await errorOf(s3().send(new HeadObjectCommand({ Bucket: 'sigv2', Key: 'k' })))).toMatchObject({ status: 404 });
  });

  it('ListMultipartUploads: prefix, delimiter, key/upload-id markers, max-uploads; aborted uploads disappear', async () => {
    const c = s3();
    await c.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await c.send(new CreateBucketCommand({ Bucket: 'uploads-other' }));
    const start = async (Key: string, Bucket = 'uploads') => {
      await new Promise((r) => setTimeout(r, 3)); // uploads of one key are ordered by initiation time
      return (await c.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId as string;
    };
    const a1 = await start('a/one.bin');
    const a2 = await start('a/one.bin');
    const b = await start('b.bin');
    const deep = await start('dir/x/y.bin');
    await start('elsewhere.bin', 'uploads-other');
    const all = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(all.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['a/one.bin', a1], ['a/one.bin', a2], ['b.bin', b], ['dir/x/y.bin', deep]]);
    expect(all.IsTruncated).toBe(false);
    expect(all.Uploads?.[0]?.Initiated).toBeInstanceOf(Date);
    expect(all.Uploads?.[0]?.StorageClass).toBe('STANDARD');
    const grouped = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Delimiter: '/' }));
    expect(grouped.Uploads?.map((u) => u.Key)).toEqual(['b.bin']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'dir/']);
    const under = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'dir/', Delimiter: '/' }));
    expect([under.Uploads ?? [], under.CommonPrefixes?.map((p) => p.Prefix)]).toEqual([[], ['dir/x/']]);
    // Paging: two at a time, continuing from NextKeyMarker / NextUploadIdMarker.
    const seen: string[] = [];
    let page = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', MaxUploads: 1 }));
    for (;;) {
      seen.push(...(page.Uploads ?? []).map((u) => u.UploadId as string));
      if (!page.IsTruncated) break;
      page = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', MaxUploads: 1, KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }));
    }
    expect(seen).toEqual([a1, a2, b, deep]);
    const afterKey = await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', KeyMarker: 'a/one.bin' }));
    expect(afterKey.Uploads?.map((u) => u.UploadId)).toEqual([b, deep]);
    await c.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'a/one.bin', UploadId: a1 }));
    expect((await c.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'a/' }))).Uploads?.map((u) => u.UploadId)).toEqual([a2]);
    expect(await errorOf(c.send(new ListMultipartUploadsCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });
});

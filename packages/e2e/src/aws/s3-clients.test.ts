import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * S3 features that boto3 and the aws CLI (Debian's, unchanged) reach for on their own, against `loam up`:
 * managed copies of large objects (UploadPartCopy), user metadata, conditional requests, abandoned
 * multipart uploads (ListMultipartUploads) and SigV4 presigning by the CLI v1.
 */
let loam: AwsLoam;
let scratch: string;

useAwsLoam((started) => (loam = started));
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-s3-clients-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

describe('S3 with boto3 and the aws CLI', () => {
  it("boto3: s3.copy of a 9 MiB object (UploadPartCopy) copies every byte and gives S3's multipart ETag", async () => {
    const out = await boto3<Record<string, unknown>>(loam, `
import hashlib, os
s3 = client('s3')
s3.create_bucket(Bucket='copies')
data = os.urandom(9 * 1024 * 1024)
s3.put_object(Bucket='copies', Key='src.bin', Body=data, Metadata={'owner': 'team-a'})
s3.copy({'Bucket': 'copies', 'Key': 'src.bin'}, 'copies', 'dst.bin')
head = s3.head_object(Bucket='copies', Key='dst.bin')
back = s3.get_object(Bucket='copies', Key='dst.bin')['Body'].read()
print(json.dumps({'same': back == data, 'size': head['ContentLength'], 'etag': head['ETag'], 'metadata': head['Metadata']}))
`);
    // s3transfer's multipart copy does not carry metadata over unless asked (as on AWS).
    expect(out).toMatchObject({ same: true, size: 9 * MiB });
    expect(out['etag']).toMatch(/^"[0-9a-f]{32}-\d+"$/);
  }, 120_000);

  it('boto3: head_object returns the user metadata and content headers put with the object, and nothing internal', async () => {
    const out = await boto3<Record<string, unknown>>(loam, `
s3 = client('s3')
s3.create_bucket(Bucket='meta')
s3.put_object(Bucket='meta', Key='rows.csv', Body=b'a,b\\n', ContentType='text/csv', Metadata={'owner': 'team-a', 'run-id': '42'},
  CacheControl='max-age=60', ContentDisposition='attachment; filename="rows.csv"', ContentLanguage='en-GB')
h = s3.head_object(Bucket='meta', Key='rows.csv')
s3.put_object(Bucket='meta', Key='plain', Body=b'p')
too_big = error_code(s3.put_object, Bucket='meta', Key='big', Body=b'b', Metadata={'a': 'x' * 2100})
print(json.dumps({'metadata': h['Metadata'], 'cache': h.get('CacheControl'), 'disposition': h.get('ContentDisposition'),
  'language': h.get('ContentLanguage'), 'type': h['ContentType'], 'plain': s3.head_object(Bucket='meta', Key='plain')['Metadata'], 'too_big': too_big}))
`);
    expect(out).toEqual({
      metadata: { owner: 'team-a', 'run-id': '42' },
      cache: 'max-age=60',
      disposition: 'attachment; filename="rows.csv"',
      language: 'en-GB',
      type: 'text/csv',
      plain: {},
      too_big: 'MetadataTooLarge',
    });
  }, 60_000);

  it('boto3: conditional GET answers 304 and 412; a create-only PUT (If-None-Match: *) of an existing key is 412 and writes nothing', async () => {
    const out = await boto3<Record<string, string>>(loam, `
import datetime
s3 = client('s3')
s3.create_bucket(Bucket='cond')
etag = s3.put_object(Bucket='cond', Key='k', Body=b'v1')['ETag']
modified = s3.head_object(Bucket='cond', Key='k')['LastModified']
later = modified + datetime.timedelta(minutes=1)
earlier = modified - datetime.timedelta(minutes=1)
# Debian's botocore predates PutObject's IfNoneMatch parameter: the header is added as newer SDKs send it.
create_only = client('s3')
create_only.meta.events.register('before-sign.s3.PutObject', lambda request, **kw: request.headers.__setitem__('If-None-Match', '*'))
print(json.dumps({
  'none_match': error_code(s3.get_object, Bucket='cond', Key='k', IfNoneMatch=etag),
  'not_modified': error_code(s3.head_object, Bucket='cond', Key='k', IfModifiedSince=later),
  'match_wrong': error_code(s3.get_object, Bucket='cond', Key='k', IfMatch='"0123456789abcdef0123456789abcdef"'),
  'unmodified_since': error_code(s3.get_object, Bucket='cond', Key='k', IfUnmodifiedSince=earlier),
  'match_and_unmodified': error_code(s3.get_object, Bucket='cond', Key='k', IfMatch=etag, IfUnmodifiedSince=earlier),
  'create_existing': error_code(create_only.put_object, Bucket='cond', Key='k', Body=b'v2'),
  'create_new': error_code(create_only.put_object, Bucket='cond', Key='new', Body=b'n'),
  'after': s3.get_object(Bucket='cond', Key='k')['Body'].read().decode(),
}))
`);
    expect(out).toEqual({
      none_match: '304',
      not_modified: '304',
      match_wrong: 'PreconditionFailed',
      unmodified_since: 'PreconditionFailed',
      match_and_unmodified: 'resolved',
      create_existing: 'PreconditionFailed',
      create_new: 'resolved',
      after: 'v1',
    });
  }, 60_000);

  it('aws CLI: s3 cp and mv of a 10 MB object between S3 locations; list-multipart-uploads finds an abandoned upload to abort', async () => {
    const file = join(scratch, 'ten.bin');
    writeFileSync(file, Buffer.alloc(10_000_000, 7));
    const ok = async (args: string[]) => {
      const r = await awsCli(loam, args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
      return r.stdout;
    };
    await ok(['s3', 'mb', 's3://big']);
    await ok(['s3', 'cp', '--only-show-errors', file, 's3://big/ten.bin']);
    await ok(['s3', 'cp', '--only-show-errors', 's3://big/ten.bin', 's3://big/ten-copy.bin']);
    await ok(['s3', 'mv', '--only-show-errors', 's3://big/ten-copy.bin', 's3://big/ten-moved.bin']);
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'big', '--key', 'ten-moved.bin'])) as { ContentLength: number };
    expect(head.ContentLength).toBe(10_000_000);
    const listed = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'big'])) as { Contents: { Key: string }[] };
    expect(listed.Contents.map((o) => o.Key)).toEqual(['ten-moved.bin', 'ten.bin']);
    await ok(['s3', 'cp', '--only-show-errors', 's3://big/ten-moved.bin', join(scratch, 'back.bin')]);

    const { UploadId } = JSON.parse(await ok(['s3api', 'create-multipart-upload', '--bucket', 'big', '--key', 'abandoned.bin'])) as { UploadId: string };
    const uploads = JSON.parse(await ok(['s3api', 'list-multipart-uploads', '--bucket', 'big'])) as { Uploads: { Key: string; UploadId: string }[] };
    expect(uploads.Uploads.map((u) => [u.Key, u.UploadId])).toEqual([['abandoned.bin', UploadId]]);
    await ok(['s3api', 'abort-multipart-upload', '--bucket', 'big', '--key', 'abandoned.bin', '--upload-id', UploadId]);
    expect((JSON.parse((await ok(['s3api', 'list-multipart-uploads', '--bucket', 'big'])) || '{}') as { Uploads?: unknown[] }).Uploads ?? []).toEqual([]);
  }, 300_000);

  it('aws CLI v1: s3 presign with the documented config file ([profile loam] s3 = signature_version = s3v4) gives a URL that works', async () => {
    const config = join(scratch, 'aws-config');
    writeFileSync(config, '[profile loam]\nregion = us-east-1\ns3 =\n    signature_version = s3v4\n');
    await awsCli(loam, ['s3', 'mb', 's3://presign']);
    const src = join(scratch, 'hello.txt');
    writeFileSync(src, 'hello');
    await awsCli(loam, ['s3', 'cp', '--only-show-errors', src, 's3://presign/hello.txt']);
    const run = (await import('node:child_process')).execFileSync;
    const env = { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...loam.awsEnv, AWS_CONFIG_FILE: config };
    const url = run('/usr/bin/aws', ['--endpoint-url', loam.url, 's3', 'presign', 's3://presign/hello.txt', '--expires-in', '300'], { env }).toString().trim();
    expect(url).toContain('X-Amz-Signature=');
    const r = await fetch(url);
    expect([r.status, await r.text()]).toEqual([200, 'hello']);
    // Without it, the CLI v1 presigns with SigV2, and Loam's refusal says what to do.
    const v2 = (await awsCli(loam, ['s3', 'presign', 's3://presign/hello.txt'])).stdout.trim();
    const refused = await fetch(v2);
    if (v2.includes('AWSAccessKeyId=')) {
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('signature_version = s3v4');
    }
  }, 60_000);
});

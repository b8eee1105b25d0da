import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../boto3.test-support.js';

// The local-fs store keeps what the bytes cannot say (a multipart upload's ETag, Content-Type, user
// metadata) in a sidecar under <root>/.loam-meta/, tied to the data file's inode, size and mtime. A data
// file copied back over itself (a backup restored, rsync without -X) no longer matches its sidecar, and the
// store recomputed it from the bytes: the object came back with the plain MD5 as ETag and no content type or
// metadata. A stale sidecar whose SHA-256 matches the bytes is now kept. A lost sidecar cannot be rebuilt:
// the parts' boundaries are gone, so the ETag is the plain MD5 (README.md of the store) and PartNumber reads the
// object as one part; a restored copy keeps the boundaries, so PartNumber still reads each part.
let loam: TestLoam;
let url: string;
beforeAll(async () => {
  requireDebianBoto3();
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
});
afterAll(async () => loam?.close());

const program = `
s3 = client('s3')
s3.create_bucket(Bucket='kept')
up = s3.create_multipart_upload(Bucket='kept', Key='big.csv', ContentType='text/csv', Metadata={'owner': 'ann'})
parts = []
for n, body in ((1, b'a' * (5 * 1024 * 1024)), (2, b'b' * 10)):
    parts.append({'PartNumber': n, 'ETag': s3.upload_part(Bucket='kept', Key='big.csv', UploadId=up['UploadId'], PartNumber=n, Body=body)['ETag']})
s3.complete_multipart_upload(Bucket='kept', Key='big.csv', UploadId=up['UploadId'], MultipartUpload={'Parts': parts})
h = s3.head_object(Bucket='kept', Key='big.csv')
print(json.dumps([h['ETag'], h['ContentType'], h['Metadata']]))
`;
const head = `
import botocore
s3 = client('s3')
h = s3.head_object(Bucket='kept', Key='big.csv')
listed = s3.list_objects_v2(Bucket='kept')['Contents'][0]['ETag']
def part(n):
    try:
        p = s3.head_object(Bucket='kept', Key='big.csv', PartNumber=n)
        return [p['ResponseMetadata']['HTTPStatusCode'], p['ContentLength'], p.get('PartsCount')]
    except botocore.exceptions.ClientError as e:
        return [e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code']]
print(json.dumps([h['ETag'], h.get('ContentType'), h['Metadata'], listed, h['ContentLength'], part(1), part(2)]))
`;

describe('local-fs sidecar rebuilt from the bytes', () => {
  it('keeps a multipart ETag, content type and metadata when the file was copied back with the same bytes; a lost sidecar gives the plain MD5', async () => {
    const creds = { url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey };
    const [etag, type, meta] = await runBoto3<[string, string, Record<string, string>]>(creds, program);
    expect([etag.endsWith('-2"'), type, meta]).toEqual([true, 'text/csv', { owner: 'ann' }]);

    const root = join(loam.dataDir, 'artifacts');
    const data = join(root, 'kept', 'big.csv');
    copyFileSync(data, `${data}.restore`);
    renameSync(`${data}.restore`, data);
    // The part boundaries come back with the multipart ETag they belong to.
    expect(await runBoto3(creds, head)).toEqual([etag, 'text/csv', { owner: 'ann' }, etag, 5 * 1024 * 1024 + 10, [206, 5 * 1024 * 1024, 2], [206, 10, 2]]);

    rmSync(join(root, '.loam-meta', 'kept', 'big.csv'));
    const [plain, , lostMeta, , size, part1, part2] = await runBoto3<[string, string, Record<string, string>, string, number, unknown[], unknown[]]>(creds, head);
    expect([/^"[0-9a-f]{32}"$/.test(plain), lostMeta, size]).toEqual([true, {}, 5 * 1024 * 1024 + 10]);
    // With the plain MD5 the object is one part, as S3 answers for an object put whole.
    expect([part1, part2]).toEqual([[206, 5 * 1024 * 1024 + 10, null], [416, '416']]); // HEAD has no body: boto3 reports the status as the code
  }, 60_000);
});

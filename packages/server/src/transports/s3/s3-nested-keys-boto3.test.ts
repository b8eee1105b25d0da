import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../boto3.test-support.js';

// S3 holds `p` beside `p/q`, folder markers (`p/`, as the S3 console's "Create folder" writes) and keys
// with empty segments (`a//b`). Loam's local store refused all three ("keeps keys as files and '/' as
// directories"), and the request-path guard refused `//` before S3 saw it; ADR 0020 keeps them all.
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
s3.create_bucket(Bucket='nested')
out = {}
for k in ['p', 'p/q', 'p/', 'a//b', 'a/']:
    s3.put_object(Bucket='nested', Key=k, Body=('body of ' + k).encode())
# A multipart upload and a copy onto keys that are also prefixes.
up = s3.create_multipart_upload(Bucket='nested', Key='p/q/')
part = s3.upload_part(Bucket='nested', Key='p/q/', UploadId=up['UploadId'], PartNumber=1, Body=b'multi')
s3.complete_multipart_upload(Bucket='nested', Key='p/q/', UploadId=up['UploadId'], MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
s3.copy_object(Bucket='nested', Key='a//', CopySource={'Bucket': 'nested', 'Key': 'p'})
out['bodies'] = {k: s3.get_object(Bucket='nested', Key=k)['Body'].read().decode() for k in ['p', 'p/q', 'p/', 'a//b', 'a/', 'p/q/', 'a//']}
out['head'] = s3.head_object(Bucket='nested', Key='p/')['ContentLength']
def page(**kw):
    r = s3.list_objects_v2(Bucket='nested', **kw)
    return [[o['Key'] for o in r.get('Contents', [])], [c['Prefix'] for c in r.get('CommonPrefixes', [])]]
out['all'] = page()
out['top'] = page(Delimiter='/')
out['p'] = page(Prefix='p/', Delimiter='/')
out['a'] = page(Prefix='a/', Delimiter='/')
out['after'] = page(StartAfter='p')
keys, token = [], None
while True:
    r = s3.list_objects_v2(Bucket='nested', MaxKeys=2, **({'ContinuationToken': token} if token else {}))
    keys += [o['Key'] for o in r.get('Contents', [])]
    if not r['IsTruncated']:
        break
    token = r['NextContinuationToken']
out['paged'] = keys
s3.delete_object(Bucket='nested', Key='p/q')
s3.delete_object(Bucket='nested', Key='a/')
out['deleted'] = page()
print(json.dumps(out))
`;

describe('S3 keys that are also prefixes, folder markers and empty segments', () => {
  it('are stored side by side, read, copied, uploaded in parts, listed in S3 order and deleted one by one', async () => {
    const creds = { url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey };
    const out = await runBoto3<Record<string, unknown>>(creds, program);
    const all = ['a/', 'a//', 'a//b', 'p', 'p/', 'p/q', 'p/q/'];
    expect(out).toEqual({
      bodies: { p: 'body of p', 'p/q': 'body of p/q', 'p/': 'body of p/', 'a//b': 'body of a//b', 'a/': 'body of a/', 'p/q/': 'multi', 'a//': 'body of p' },
      head: 'body of p/'.length,
      all: [all, []],
      top: [['p'], ['a/', 'p/']],
      p: [['p/', 'p/q'], ['p/q/']],
      a: [['a/'], ['a//']],
      after: [['p/', 'p/q', 'p/q/'], []],
      paged: all,
      deleted: [['a//', 'a//b', 'p', 'p/', 'p/q/'], []],
    });
  });
});

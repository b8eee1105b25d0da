import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../boto3.test-support.js';

// S3's ListObjects (v1) returns NextMarker only when the request has a delimiter; without one a client
// pages on from the last Key (boto3's paginator, the aws CLI and the SDKs all do). Loam sent NextMarker
// on every truncated v1 page. Checked with Debian's boto3 on the raw XML, since its parser would accept
// either answer.
let loam: TestLoam;
let url: string;
beforeAll(async () => {
  requireDebianBoto3();
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
});
afterAll(async () => loam?.close());

describe('ListObjects (v1): NextMarker', () => {
  it('is absent from a truncated page without a delimiter, present with one; paging by the last Key or NextMarker reads every key once', async () => {
    const out = await runBoto3<Record<string, unknown>>({ url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, `
s3 = client('s3')
RAW = []
s3.meta.events.register('after-call.s3.ListObjects', lambda http_response, **_: RAW.append(http_response.content.decode()))
s3.create_bucket(Bucket='v1-list')
for k in ['a/1', 'a/2', 'b/1', 'c', 'd']:
    s3.put_object(Bucket='v1-list', Key=k, Body=b'x')
plain = s3.list_objects(Bucket='v1-list', MaxKeys=2)
delimited = s3.list_objects(Bucket='v1-list', MaxKeys=2, Delimiter='/')
keys = [o['Key'] for p in s3.get_paginator('list_objects').paginate(Bucket='v1-list', PaginationConfig={'PageSize': 2}) for o in p.get('Contents', [])]
tops = []
for p in s3.get_paginator('list_objects').paginate(Bucket='v1-list', Delimiter='/', PaginationConfig={'PageSize': 2}):
    tops += [c['Prefix'] for c in p.get('CommonPrefixes', [])] + [o['Key'] for o in p.get('Contents', [])]
print(json.dumps({
  'plain': [plain['IsTruncated'], 'NextMarker' in plain, '<NextMarker>' in RAW[0]],
  'delimited': [delimited['IsTruncated'], delimited.get('NextMarker')],
  'keys': keys, 'tops': tops,
}))
`);
    expect(out).toEqual({
      plain: [true, false, false],
      delimited: [true, 'b/'],
      keys: ['a/1', 'a/2', 'b/1', 'c', 'd'],
      tops: ['a/', 'b/', 'c', 'd'],
    });
  }, 60_000);
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * GetObject / HeadObject with PartNumber, as Debian's boto3 sends it. Loam ignored `?partNumber=` and answered
 * the whole object, so a downloader that fetches a multipart object part by part (the AWS SDK for Java's
 * transfer manager, the CRT) got the whole object once per part and wrote a corrupt file without an error.
 * Then it refused (501) a part of an object uploaded in several, not knowing where the parts end: they are
 * now recorded when the upload completes; an object completed before that keeps the 501, never a 500.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `
from boto3.s3.transfer import TransferConfig
import botocore
s3 = client('s3')
s3.create_bucket(Bucket='parts')
s3.put_object(Bucket='parts', Key='whole', Body=b'0123456789')
s3.put_object(Bucket='parts', Key='empty', Body=b'')
big = bytes(range(256)) * (44 * 1024)   # 11 MiB: two parts of 5 MiB and one of 1 MiB
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
import io
s3.upload_fileobj(io.BytesIO(big), 'parts', 'multi', Config=cfg)
one = s3.create_multipart_upload(Bucket='parts', Key='one-part')['UploadId']
etag = s3.upload_part(Bucket='parts', Key='one-part', UploadId=one, PartNumber=1, Body=b'just one part')['ETag']
s3.complete_multipart_upload(Bucket='parts', Key='one-part', UploadId=one, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': etag}]})
def answer(fn, **kw):
    try:
        r = fn(Bucket='parts', **kw)
        body = r['Body'].read() if 'Body' in r else None
        h = r['ResponseMetadata']['HTTPHeaders']
        return {'status': r['ResponseMetadata']['HTTPStatusCode'], 'length': r['ContentLength'], 'range': h.get('content-range'), 'parts': r.get('PartsCount'),
                'body': body.decode('latin-1') if body is not None and len(body) < 100 else (len(body) if body is not None else None)}
    except botocore.exceptions.ClientError as e:
        return {'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'code': e.response['Error']['Code'], 'message': e.response['Error'].get('Message')}
out = {
  'whole_1': answer(s3.get_object, Key='whole', PartNumber=1),
  'whole_head_1': answer(s3.head_object, Key='whole', PartNumber=1),
  'whole_2': answer(s3.get_object, Key='whole', PartNumber=2),
  'empty_1': answer(s3.get_object, Key='empty', PartNumber=1),
  'one_part_1': answer(s3.get_object, Key='one-part', PartNumber=1),
  'multi_2': answer(s3.get_object, Key='multi', PartNumber=2),
  'multi_head_1': answer(s3.head_object, Key='multi', PartNumber=1),
  'multi_4': answer(s3.get_object, Key='multi', PartNumber=4),
  'both': answer(s3.get_object, Key='whole', PartNumber=1, Range='bytes=0-1'),
  'plain': answer(s3.get_object, Key='multi'),
}
whole_etag = s3.head_object(Bucket='parts', Key='multi')['ETag']
MiB = 1024 * 1024
for n, (a, b) in ((1, (0, 5 * MiB)), (2, (5 * MiB, 10 * MiB)), (3, (10 * MiB, 11 * MiB))):
    r = s3.get_object(Bucket='parts', Key='multi', PartNumber=n)
    out['multi_bytes_%d' % n] = r['Body'].read() == big[a:b] and r['ETag'] == whole_etag
print(json.dumps(out))
`;

describe('boto3: GetObject and HeadObject with PartNumber', () => {
  it('answers the part of an object put whole or in one part, and refuses what it cannot answer instead of sending the whole object', async () => {
    const out = await boto3<Record<string, Record<string, unknown>>>(loam, program);
    expect(out['whole_1']).toEqual({ status: 206, length: 10, range: 'bytes 0-9/10', parts: null, body: '0123456789' });
    expect(out['whole_head_1']).toEqual({ status: 206, length: 10, range: 'bytes 0-9/10', parts: null, body: null });
    expect(out['whole_2']).toMatchObject({ status: 416, code: 'InvalidPartNumber', message: 'The requested partnumber is not satisfiable' });
    expect(out['empty_1']).toEqual({ status: 200, length: 0, range: null, parts: null, body: '' });
    expect(out['one_part_1']).toEqual({ status: 206, length: 13, range: 'bytes 0-12/13', parts: 1, body: 'just one part' });
    const MiB = 1024 * 1024;
    expect(out['multi_2']).toEqual({ status: 206, length: 5 * MiB, range: `bytes ${5 * MiB}-${10 * MiB - 1}/${11 * MiB}`, parts: 3, body: 5 * MiB });
    expect(out['multi_head_1']).toEqual({ status: 206, length: 5 * MiB, range: `bytes 0-${5 * MiB - 1}/${11 * MiB}`, parts: 3, body: null });
    expect([out['multi_bytes_1'], out['multi_bytes_2'], out['multi_bytes_3']]).toEqual([true, true, true]);
    expect(out['multi_4']).toMatchObject({ status: 416, code: 'InvalidPartNumber' });
    expect(out['both']).toMatchObject({ status: 400, code: 'InvalidRequest', message: 'Cannot specify both Range header and partNumber query parameter.' });
    expect(out['plain']).toMatchObject({ status: 200, length: 11 * 1024 * 1024, parts: null });
  }, 120_000);

  it('refuses a part of an object completed before part sizes were recorded with NotImplemented (501), not a 500', async () => {
    const put = `
import io
from boto3.s3.transfer import TransferConfig
s3 = client('s3')
s3.create_bucket(Bucket='old-parts')
s3.upload_fileobj(io.BytesIO(b'x' * (6 * 1024 * 1024)), 'old-parts', 'old', Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
print(json.dumps(s3.head_object(Bucket='old-parts', Key='old')['ETag']))
`;
    const etag = await boto3<string>(loam, put);
    expect(etag).toMatch(/-2"$/);
    // The sidecar as the store wrote it before part sizes were kept: the same fields, without `parts`.
    const sidecar = join(loam.dataDir, 'artifacts', '.loam-meta', 'old-parts', 'old');
    const { parts, ...old } = JSON.parse(readFileSync(sidecar, 'utf8')) as { parts?: number[] };
    expect(parts).toEqual([5 * 1024 * 1024, 1024 * 1024]);
    writeFileSync(sidecar, JSON.stringify(old));
    const get = `
import botocore
s3 = client('s3')
out = {}
for name, fn in (('get', s3.get_object), ('head', s3.head_object)):
    try:
        fn(Bucket='old-parts', Key='old', PartNumber=2)
        out[name] = 'answered'
    except botocore.exceptions.ClientError as e:
        out[name] = [e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code'], e.response['Error'].get('Message')]
out['etag'] = s3.head_object(Bucket='old-parts', Key='old')['ETag']
out['size'] = len(s3.get_object(Bucket='old-parts', Key='old')['Body'].read())
print(json.dumps(out))
`;
    const out = await boto3<Record<string, unknown>>(loam, get);
    expect(out['get']).toEqual([501, 'NotImplemented', expect.stringContaining('partNumber=2 of an object uploaded in 2 parts before Loam recorded where its parts end')]);
    expect(out['head']).toEqual([501, '501', 'Not Implemented']);
    expect([out['etag'], out['size']]).toEqual([etag, 6 * 1024 * 1024]);
  }, 120_000);
});

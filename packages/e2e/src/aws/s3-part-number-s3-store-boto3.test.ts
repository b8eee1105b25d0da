import { afterAll, describe, expect, it } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { removeDataDir, startLoamProcess, stopLoamProcess, tempDataDir } from '../loam-process.test-support.js';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * GetObject / HeadObject with PartNumber on a Loam whose artifact store is S3 (`artifacts.type: s3`), here
 * another Loam's S3 API as the backend. The S3 adapter kept no part sizes, so a part of an object uploaded
 * in several was refused with NotImplemented (501) where the local-fs store answers it: the adapter now
 * uploads the client's parts as the backend's own and records their sizes.
 */
let backend: AwsLoam;
let front: AwsLoam | undefined;

async function startFront(): Promise<AwsLoam> {
  const dataDir = tempDataDir('loam-aws-s3-store-');
  const process = await startLoamProcess(dataDir, {
    LOAM_ARTIFACTS__TYPE: 's3',
    LOAM_ARTIFACTS__ENDPOINT: backend.url,
    LOAM_ARTIFACTS__ACCESS_KEY_ID: backend.accessKeyId,
    LOAM_ARTIFACTS__SECRET_ACCESS_KEY: backend.secretAccessKey,
    LOAM_ARTIFACTS__FORCE_PATH_STYLE: 'true',
  });
  const creds = readCredentialsProfile(process.info.credentialsFile) ?? {};
  return {
    ...backend,
    url: process.url,
    dataDir,
    credentialsFile: process.info.credentialsFile,
    accessKeyId: creds['aws_access_key_id'] as string,
    secretAccessKey: creds['aws_secret_access_key'] as string,
    process,
    awsEnv: { ...backend.awsEnv, AWS_SHARED_CREDENTIALS_FILE: process.info.credentialsFile },
    async stop() {
      await stopLoamProcess(process);
      await removeDataDir(dataDir);
    },
  };
}

// A retry gets a new backend (useAwsLoam), and a new front over it.
useAwsLoam(async (started) => {
  backend = started;
  await front?.stop();
  front = await startFront();
});
afterAll(async () => front?.stop());

const program = `
import io, hashlib, botocore
from boto3.s3.transfer import TransferConfig
s3 = client('s3')
s3.create_bucket(Bucket='parts')
MiB = 1024 * 1024
big = bytes(range(256)) * (44 * 1024)   # 11 MiB: two parts of 5 MiB and one of 1 MiB
cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
s3.upload_fileobj(io.BytesIO(big), 'parts', 'multi', Config=cfg)
md5s = b''.join(hashlib.md5(big[a:a + 5 * MiB]).digest() for a in range(0, len(big), 5 * MiB))
out = {'etag': s3.head_object(Bucket='parts', Key='multi')['ETag'], 'expected_etag': '"%s-3"' % hashlib.md5(md5s).hexdigest()}
for n, (a, b) in ((1, (0, 5 * MiB)), (2, (5 * MiB, 10 * MiB)), (3, (10 * MiB, 11 * MiB))):
    r = s3.get_object(Bucket='parts', Key='multi', PartNumber=n)
    out['part_%d' % n] = {'status': r['ResponseMetadata']['HTTPStatusCode'], 'range': r['ContentRange'], 'parts': r['PartsCount'], 'same': r['Body'].read() == big[a:b]}
h = s3.head_object(Bucket='parts', Key='multi', PartNumber=2)
out['head_2'] = {'length': h['ContentLength'], 'parts': h['PartsCount']}
try:
    s3.get_object(Bucket='parts', Key='multi', PartNumber=4)
except botocore.exceptions.ClientError as e:
    out['part_4'] = e.response['Error']['Code']
print(json.dumps(out))
`;

describe('boto3: PartNumber on a Loam whose artifact store is S3', () => {
  it("answers each part of a multipart object with the part's bytes, and the object's ETag is the client's", async () => {
    const out = await boto3<Record<string, unknown>>(front as AwsLoam, program);
    const MiB = 1024 * 1024;
    expect(out['etag']).toBe(out['expected_etag']);
    expect(out['part_1']).toEqual({ status: 206, range: `bytes 0-${5 * MiB - 1}/${11 * MiB}`, parts: 3, same: true });
    expect(out['part_2']).toEqual({ status: 206, range: `bytes ${5 * MiB}-${10 * MiB - 1}/${11 * MiB}`, parts: 3, same: true });
    expect(out['part_3']).toEqual({ status: 206, range: `bytes ${10 * MiB}-${11 * MiB - 1}/${11 * MiB}`, parts: 3, same: true });
    expect(out['head_2']).toEqual({ length: 5 * MiB, parts: 3 });
    expect(out['part_4']).toBe('InvalidPartNumber');
  }, 120_000);

  it('gives a PutObject of more than 16 MiB the MD5 of its bytes as its ETag, as S3 does (the adapter sent it up as a multipart upload: "…-2")', async () => {
    const out = await boto3<Record<string, unknown>>(front as AwsLoam, `
import hashlib
s3 = client('s3')
s3.create_bucket(Bucket='whole')
body = bytes(range(256)) * (68 * 1024)   # 17 MiB
put = s3.put_object(Bucket='whole', Key='big', Body=body)
print(json.dumps({'put': put['ETag'], 'head': s3.head_object(Bucket='whole', Key='big')['ETag'], 'md5': '"%s"' % hashlib.md5(body).hexdigest()}))
`);
    expect([out['put'], out['head']]).toEqual([out['md5'], out['md5']]);
  }, 120_000);
});

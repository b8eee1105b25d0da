import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * What a signature binds, as Debian's boto3 (unchanged) meets it against `loam up`. AWS refuses a
 * request carrying an `x-amz-*` header the signature does not cover ("There were headers present in
 * the request which were not signed"), so the holder of a presigned PUT URL cannot turn it into a
 * copy of another object or set metadata, and nobody can re-target a signed SageMaker call. The AWS
 * JSON API takes no presigned URL and no UNSIGNED-PAYLOAD: a URL cannot sign the body that carries
 * the operation's input. Each refusal leaves nothing created or written; the ordinary uses still work.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

/** Python: `send(url, method, data, headers)` → [status, body], with urllib (as curl would send it). */
const SEND = `
import urllib.request, urllib.error
def send(url, method='GET', data=None, headers={}):
  try:
    r = urllib.request.urlopen(urllib.request.Request(url, method=method, data=data, headers=headers))
    return [r.status, r.read().decode()]
  except urllib.error.HTTPError as e:
    return [e.code, e.read().decode()]
`;

const NOT_SIGNED = /<Code>AccessDenied<\/Code><Message>There were headers present in the request which were not signed<\/Message>/;

describe('S3: x-amz-* headers the signature does not cover are refused', () => {
  it('a presigned PUT URL cannot be turned into CopyObject, UploadPartCopy or a metadata write; a plain upload and GET still work', async () => {
    const out = await boto3<Record<string, any>>(loam, `${SEND}
s3 = client('s3', config=Config(signature_version='s3v4'))
s3.create_bucket(Bucket='bob-bucket')
s3.put_object(Bucket='bob-bucket', Key='secret/data.csv', Body=b'top secret')
put = s3.generate_presigned_url('put_object', Params={'Bucket': 'bob-bucket', 'Key': 'dropbox/from-alice.bin'}, ExpiresIn=600)
up = s3.create_multipart_upload(Bucket='bob-bucket', Key='dropbox/big.bin')['UploadId']
part = s3.generate_presigned_url('upload_part', Params={'Bucket': 'bob-bucket', 'Key': 'dropbox/big.bin', 'UploadId': up, 'PartNumber': 1}, ExpiresIn=600)
out = {
  'copy': send(put, 'PUT', b'', {'x-amz-copy-source': 'bob-bucket/secret/data.csv'}),
  'copy_directive': send(put, 'PUT', b'', {'x-amz-copy-source': '/bob-bucket/secret/data.csv', 'x-amz-metadata-directive': 'REPLACE'}),
  'meta': send(put, 'PUT', b'from alice', {'x-amz-meta-owner': 'mallory'}),
  'part_copy': send(part, 'PUT', b'', {'x-amz-copy-source': 'bob-bucket/secret/data.csv'}),
}
out['after_refusals'] = error_code(s3.head_object, Bucket='bob-bucket', Key='dropbox/from-alice.bin')
out['parts'] = len(s3.list_parts(Bucket='bob-bucket', Key='dropbox/big.bin', UploadId=up).get('Parts', []))
# What the URL is for: an upload with curl-like headers (Content-Type is not an x-amz-* header), then a presigned GET.
out['upload'] = send(put, 'PUT', b'from alice', {'Content-Type': 'application/octet-stream'})
out['stored'] = s3.get_object(Bucket='bob-bucket', Key='dropbox/from-alice.bin')['Body'].read().decode()
out['get'] = send(s3.generate_presigned_url('get_object', Params={'Bucket': 'bob-bucket', 'Key': 'dropbox/from-alice.bin'}, ExpiresIn=600))
out['part_upload'] = send(part, 'PUT', b'part one')[0]
print(json.dumps(out))
`);
    for (const k of ['copy', 'copy_directive', 'meta', 'part_copy']) {
      const [status, body] = out[k] as [number, string];
      expect(status, k).toBe(403);
      expect(body, k).toMatch(NOT_SIGNED);
    }
    expect(out['copy'][1]).toContain('<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>');
    expect(out['copy_directive'][1]).toContain('<HeadersNotSigned>x-amz-copy-source, x-amz-metadata-directive</HeadersNotSigned>');
    expect(out['meta'][1]).toContain('<HeadersNotSigned>x-amz-meta-owner</HeadersNotSigned>');
    expect(out['after_refusals']).toBe('404');
    expect(out['parts']).toBe(0);
    expect(out['upload'][0]).toBe(200);
    expect(out['stored']).toBe('from alice');
    expect(out['get']).toEqual([200, 'from alice']);
    expect(out['part_upload']).toBe(200);
  }, 60_000);

  it('with an Authorization header too: an x-amz-copy-source added after signing is refused, and nothing is written', async () => {
    const out = await boto3<Record<string, string>>(loam, `
s3 = client('s3')
s3.create_bucket(Bucket='header-auth')
s3.put_object(Bucket='header-auth', Key='secret.csv', Body=b'top secret')
def smuggle(request, **kw): request.headers['x-amz-copy-source'] = 'header-auth/secret.csv'
s3.meta.events.register('before-send.s3.PutObject', smuggle)
refused = error_code(s3.put_object, Bucket='header-auth', Key='copy.csv', Body=b'')
s3.meta.events.unregister('before-send.s3.PutObject', smuggle)
# The same header signed (what CopyObject sends) is a copy, as before.
s3.copy_object(Bucket='header-auth', Key='copy2.csv', CopySource='header-auth/secret.csv')
print(json.dumps({'refused': refused, 'copy': error_code(s3.head_object, Bucket='header-auth', Key='copy.csv'),
  'signed_copy': s3.get_object(Bucket='header-auth', Key='copy2.csv')['Body'].read().decode()}))
`);
    expect(out).toEqual({ refused: 'AccessDenied', copy: '404', signed_copy: 'top secret' });
  }, 60_000);
});

describe('SageMaker (AWS JSON): the signature must cover the operation and the body', () => {
  /** Python: a request to Loam's AWS JSON endpoint signed by botocore's own signers, header or query. */
  const SIGN = `${SEND}
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
creds = session.get_credentials()
class Presign(SigV4QueryAuth):
  # A URL cannot carry the body's hash: presigned requests sign UNSIGNED-PAYLOAD (as botocore's S3 presigner does).
  def payload(self, request): return 'UNSIGNED-PAYLOAD'
def signed(target, body, query=False, unsigned_payload=False):
  headers = {'Content-Type': 'application/x-amz-json-1.1'}
  if target: headers['X-Amz-Target'] = target
  if unsigned_payload: headers['X-Amz-Content-SHA256'] = 'UNSIGNED-PAYLOAD'
  r = AWSRequest(method='POST', url=ARGS['url'] + '/', data=body, headers=headers)
  (Presign(creds, 'sagemaker', 'us-east-1', expires=604800) if query else SigV4Auth(creds, 'sagemaker', 'us-east-1')).add_auth(r)
  return r
sm = client('sagemaker')
def group(name): return error_code(sm.describe_model_package_group, ModelPackageGroupName=name)
`;

  it('a presigned URL is refused, whether the holder keeps its signed X-Amz-Target or sends another; nothing is created', async () => {
    const out = await boto3<Record<string, any>>(loam, `${SIGN}
# X-Amz-Target signed into the URL (as botocore presigns), the body is the holder's choice.
url = signed('SageMaker.CreateModelPackageGroup', None, query=True).url
kept = send(url, 'POST', json.dumps({'ModelPackageGroupName': 'via-signed-target'}).encode(), {'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'SageMaker.CreateModelPackageGroup'})
# A read-only URL (no X-Amz-Target signed), called with a state-changing target.
url = signed(None, None, query=True).url
swapped = send(url, 'POST', json.dumps({'ModelPackageGroupName': 'via-other-target'}).encode(), {'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'SageMaker.CreateModelPackageGroup'})
print(json.dumps({'kept': kept, 'swapped': swapped, 'g1': group('via-signed-target'), 'g2': group('via-other-target')}))
`);
    for (const k of ['kept', 'swapped']) {
      expect(out[k][0], k).toBe(400);
      expect(JSON.parse(out[k][1] as string), k).toMatchObject({ __type: 'IncompleteSignatureException', message: expect.stringMatching(/does not accept presigned/) });
    }
    expect(out['g1']).not.toBe('resolved');
    expect(out['g2']).not.toBe('resolved');
  }, 60_000);

  it('header auth: an X-Amz-Target added after signing and an UNSIGNED-PAYLOAD body are refused; boto3 itself still works', async () => {
    const out = await boto3<Record<string, any>>(loam, `${SIGN}
body = json.dumps({'ModelPackageGroupName': 'smuggled-target'}).encode()
r = signed(None, body)
r.headers['X-Amz-Target'] = 'SageMaker.CreateModelPackageGroup'
target = send(r.url, 'POST', body, dict(r.headers.items()))
r = signed('SageMaker.CreateModelPackageGroup', json.dumps({'ModelPackageGroupName': 'unsigned-payload'}).encode(), unsigned_payload=True)
unsigned = send(r.url, 'POST', json.dumps({'ModelPackageGroupName': 'unsigned-payload-swapped'}).encode(), dict(r.headers.items()))
r = signed('SageMaker.CreateModelPackageGroup', json.dumps({'ModelPackageGroupName': 'raw-signed'}).encode())
ok = send(r.url, 'POST', r.body, dict(r.headers.items()))[0]
sm.create_model_package_group(ModelPackageGroupName='by-boto3')
print(json.dumps({'target': target, 'unsigned': unsigned, 'ok': ok, 'g1': group('smuggled-target'), 'g2': group('unsigned-payload'),
  'g3': group('unsigned-payload-swapped'), 'g4': group('raw-signed'), 'g5': group('by-boto3')}))
`);
    expect(out['target'][0]).toBe(403);
    expect(JSON.parse(out['target'][1] as string)).toEqual({ __type: 'InvalidSignatureException', message: 'There were headers present in the request which were not signed: x-amz-target.' });
    expect(out['unsigned'][0]).toBe(400);
    expect(JSON.parse(out['unsigned'][1] as string)).toMatchObject({ __type: 'IncompleteSignatureException', message: expect.stringMatching(/UNSIGNED-PAYLOAD is not accepted/) });
    expect([out['g1'], out['g2'], out['g3']]).not.toContain('resolved');
    expect(out['ok']).toBe(200);
    expect(out['g4']).toBe('resolved');
    expect(out['g5']).toBe('resolved');
  }, 60_000);

  it('CloudWatch (query protocol): a presigned URL is refused however its parameter names are spelled; the form body is the holder\'s choice', async () => {
    const out = await boto3<Record<string, any>>(loam, `${SIGN}
r = AWSRequest(method='POST', url=ARGS['url'] + '/', headers={'Content-Type': 'application/x-www-form-urlencoded'})
Presign(creds, 'monitoring', 'us-east-1', expires=600).add_auth(r)
form = {'Content-Type': 'application/x-www-form-urlencoded'}
body = b'Action=DescribeAlarms&Version=2010-08-01'
# SigV4 percent-decodes query names: X-Amz-%53ignature is X-Amz-Signature, and the signature still checks.
print(json.dumps({'plain': send(r.url, 'POST', body, form), 'encoded': send(r.url.replace('X-Amz-Signature=', 'X-Amz-%53ignature='), 'POST', body, form)}))
`);
    for (const k of ['plain', 'encoded']) {
      expect(out[k][0], k).toBe(400);
      expect(out[k][1], k).toMatch(/<Code>IncompleteSignature<\/Code>/);
    }
  }, 60_000);
});

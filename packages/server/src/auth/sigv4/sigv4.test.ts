import { describe, expect, it } from 'vitest';
import type { ResolvedAccessKey } from '@loam/core';
import { sha256Hex, uriEncode } from './sigv4-canonical.js';
import { isSigV4Error } from './sigv4-errors.js';
import { verifySigV4, type AccessKeyResolver, type SignableRequest } from './sigv4-verify.js';

/** A key table with the documentation's example keys (the verifier's only dependency). */
function keyTable(entries: Record<string, { secret: string; status?: 'Active' | 'Inactive' }>): AccessKeyResolver & { used: string[] } {
  const used: string[] = [];
  return {
    used,
    async resolveAccessKey(id: string): Promise<ResolvedAccessKey | undefined> {
      const e = entries[id];
      if (!e) return undefined;
      return { principal: { userName: 'example', userId: 'u-1', arn: 'arn:loam:iam::000000000000:user/example', via: 'sigv4' }, secretAccessKey: e.secret, status: e.status ?? 'Active' };
    },
    async recordAccessKeyUse(id: string) {
      used.push(id);
    },
  };
}

const rawHeaders = (h: Record<string, string>) => Object.entries(h).flat();

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'verified';
  } catch (e) {
    if (isSigV4Error(e)) return e.reason;
    throw e;
  }
}

// The official "AWS Signature Version 4 Test Suite" (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
// service "service", us-east-1, 2015-08-30T12:36:00Z, key AKIDEXAMPLE. Each case: the request and AWS's signature.
const suiteKeys = keyTable({ AKIDEXAMPLE: { secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } });
const suiteNow = Date.parse('2015-08-30T12:36:00Z');
interface SuiteCase {
  name: string;
  method: string;
  path: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: string;
  signed: string;
  signature: string;
}
const suite: SuiteCase[] = [
  { name: 'get-vanilla', method: 'GET', path: '/', signed: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'get-header-key-duplicate', method: 'GET', path: '/', headers: { 'My-Header1': 'value2', 'my-header1': 'value2', 'MY-HEADER1': 'value1' }, signed: 'host;my-header1;x-amz-date', signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea' },
  { name: 'get-header-value-order', method: 'GET', path: '/', headers: { 'My-Header1': 'value4', 'my-header1': 'value1', 'MY-HEADER1': 'value3', 'My-header1': 'value2' }, signed: 'host;my-header1;x-amz-date', signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01' },
  { name: 'get-header-value-trim', method: 'GET', path: '/', headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' }, signed: 'host;my-header1;my-header2;x-amz-date', signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736' },
  { name: 'get-unreserved', method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signed: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  { name: 'get-utf8', method: 'GET', path: '/ሴ', signed: 'host;x-amz-date', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-vanilla-empty-query-key', method: 'GET', path: '/', query: [['Param1', 'value1']], signed: 'host;x-amz-date', signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb' },
  { name: 'get-vanilla-query-order-key-case', method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']], signed: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  { name: 'get-vanilla-query-unreserved', method: 'GET', path: '/', query: [['-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']], signed: 'host;x-amz-date', signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197' },
  { name: 'get-vanilla-utf8-query', method: 'GET', path: '/', query: [['ሴ', 'bar']], signed: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  { name: 'post-header-key-sort', method: 'POST', path: '/', headers: { 'My-Header1': 'value1' }, signed: 'host;my-header1;x-amz-date', signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
  { name: 'post-header-value-case', method: 'POST', path: '/', headers: { 'My-Header1': 'VALUE1' }, signed: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  { name: 'post-vanilla', method: 'POST', path: '/', signed: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'post-vanilla-query', method: 'POST', path: '/', query: [['Param1', 'value1']], signed: 'host;x-amz-date', signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
  { name: 'post-vanilla-query-nonunreserved', method: 'POST', path: '/', query: [['@#$%^', ''], ['+', '/,?><`";:\\|][{}']], signed: 'host;x-amz-date', signature: '66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e' },
  { name: 'post-vanilla-query-space', method: 'POST', path: '/', query: [['p', '']], signed: 'host;x-amz-date', signature: 'e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b' },
  { name: 'post-x-www-form-urlencoded', method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1', signed: 'content-type;host;x-amz-date', signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a' },
  { name: 'post-x-www-form-urlencoded-parameters', method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf8' }, body: 'Param1=value1', signed: 'content-type;host;x-amz-date', signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe' },
];

function suiteRequest(c: SuiteCase, signature = c.signature): SignableRequest {
  // Object keys cannot repeat, so repeated header names above differ in case, as on the wire. The
  // suite gives each path as its signer saw it (`/ሴ`, not `/%E1%88%B4`), so it goes in unencoded.
  const qs = (c.query ?? []).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return {
    method: c.method,
    rawUrl: `${c.path}${qs ? `?${qs}` : ''}`,
    rawHeaders: rawHeaders({
      Host: 'example.amazonaws.com',
      'X-Amz-Date': '20150830T123600Z',
      ...(c.headers ?? {}),
      Authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${c.signed}, Signature=${signature}`,
    }),
  };
}

describe('SigV4 verification against the official AWS test suite', () => {
  for (const c of suite) {
    it(`accepts ${c.name}`, async () => {
      const v = await verifySigV4(suiteRequest(c), { service: 'service', keys: suiteKeys, now: () => suiteNow, bodySha256: sha256Hex(c.body ?? '') });
      expect(v.accessKeyId).toBe('AKIDEXAMPLE');
      expect(v.principal.userName).toBe('example');
    });
  }

  it('refuses each case with one signature digit changed', async () => {
    for (const c of suite) {
      const flipped = `${c.signature.slice(0, 63)}${c.signature.endsWith('0') ? '1' : '0'}`;
      expect(`${c.name}: ${await failure(verifySigV4(suiteRequest(c, flipped), { service: 'service', keys: suiteKeys, now: () => suiteNow, bodySha256: sha256Hex(c.body ?? '') }))}`).toBe(`${c.name}: signature`);
    }
  });

  it('refuses a changed body, method or query', async () => {
    const post = suite.find((c) => c.name === 'post-x-www-form-urlencoded') as SuiteCase;
    const opts = { service: 'service', keys: suiteKeys, now: () => suiteNow };
    expect(await failure(verifySigV4(suiteRequest(post), { ...opts, bodySha256: sha256Hex('Param1=value2') }))).toBe('signature');
    expect(await failure(verifySigV4({ ...suiteRequest(post), method: 'PUT' }, { ...opts, bodySha256: sha256Hex('Param1=value1') }))).toBe('signature');
    const q = suite.find((c) => c.name === 'post-vanilla-query') as SuiteCase;
    expect(await failure(verifySigV4({ ...suiteRequest(q), rawUrl: '/?Param1=value2' }, { ...opts, bodySha256: sha256Hex('') }))).toBe('signature');
  });

  it('refuses unknown and inactive keys, the wrong service, and a clock outside 15 minutes', async () => {
    const vanilla = suite[0] as SuiteCase;
    const body = { bodySha256: sha256Hex('') };
    expect(await failure(verifySigV4(suiteRequest(vanilla), { service: 'service', keys: keyTable({}), now: () => suiteNow, ...body }))).toBe('unknown-key');
    const inactive = keyTable({ AKIDEXAMPLE: { secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', status: 'Inactive' } });
    expect(await failure(verifySigV4(suiteRequest(vanilla), { service: 'service', keys: inactive, now: () => suiteNow, ...body }))).toBe('inactive-key');
    expect(await failure(verifySigV4(suiteRequest(vanilla), { service: 's3', keys: suiteKeys, now: () => suiteNow, ...body }))).toBe('malformed');
    for (const [offset, want] of [[15 * 60_000, 'verified'], [-15 * 60_000, 'verified'], [15 * 60_000 + 1000, 'skewed'], [-15 * 60_000 - 1000, 'skewed']] as const) {
      expect(`${offset}: ${await failure(verifySigV4(suiteRequest(vanilla), { service: 'service', keys: suiteKeys, now: () => suiteNow + offset, ...body }))}`).toBe(`${offset}: ${want}`);
    }
    expect(await failure(verifySigV4({ method: 'GET', rawUrl: '/', rawHeaders: ['Host', 'x'] }, { service: 'service', keys: suiteKeys, ...body }))).toBe('missing');
  });
});

// S3's worked examples (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html and
// sigv4-query-string-auth.html): key AKIAIOSFODNN7EXAMPLE, 2013-05-24T00:00:00Z.
const s3Keys = keyTable({ AKIAIOSFODNN7EXAMPLE: { secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
const s3Now = Date.parse('2013-05-24T00:00:00Z');

describe('SigV4 verification against the S3 documentation examples', () => {
  it('accepts the GET Object example with a Range header', async () => {
    const req: SignableRequest = {
      method: 'GET',
      rawUrl: '/test.txt',
      rawHeaders: rawHeaders({
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      }),
    };
    const v = await verifySigV4(req, { service: 's3', keys: s3Keys, now: () => s3Now });
    expect(v.payloadHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await failure(verifySigV4({ ...req, rawHeaders: req.rawHeaders.map((h) => (h === 'bytes=0-9' ? 'bytes=0-10' : h)) }, { service: 's3', keys: s3Keys, now: () => s3Now }))).toBe('signature');
  });

  it('accepts the presigned GET example until it expires', async () => {
    const url =
      '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const req: SignableRequest = { method: 'GET', rawUrl: url, rawHeaders: ['Host', 'examplebucket.s3.amazonaws.com'] };
    const v = await verifySigV4(req, { service: 's3', keys: s3Keys, now: () => s3Now + 3600_000 });
    expect(v.presigned).toBe(true);
    expect(v.payloadHash).toBe('UNSIGNED-PAYLOAD');
    expect(await failure(verifySigV4(req, { service: 's3', keys: s3Keys, now: () => s3Now + 86400_000 + 1000 }))).toBe('expired');
    expect(await failure(verifySigV4({ ...req, rawUrl: url.replace('/test.txt', '/other.txt') }, { service: 's3', keys: s3Keys, now: () => s3Now }))).toBe('signature');
  });

  it('refuses x-amz-* headers the signature does not cover, presigned or not (AWS: "headers present in the request which were not signed")', async () => {
    const url =
      '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const opts = { service: 's3', keys: s3Keys, now: () => s3Now };
    const presigned = (extra: Record<string, string>): SignableRequest => ({ method: 'GET', rawUrl: url, rawHeaders: rawHeaders({ Host: 'examplebucket.s3.amazonaws.com', ...extra }) });
    // Headers that are not x-amz-* (Range, Content-Type, User-Agent) and the x-amz-content-sha256 the canonical request is built with may go unsigned.
    expect(await failure(verifySigV4(presigned({ Range: 'bytes=0-9', 'User-Agent': 'curl', 'X-Amzn-Trace-Id': 'Root=1', 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' }), opts))).toBe('verified');
    const refused = await verifySigV4(presigned({ 'X-Amz-Copy-Source': 'examplebucket/secret', 'x-amz-meta-a': '1', 'X-Amz-Meta-A': '2' }), opts).catch((e: unknown) => e);
    expect(isSigV4Error(refused) && refused.reason).toBe('unsigned-headers');
    expect(isSigV4Error(refused) && refused.details).toEqual({ HeadersNotSigned: 'x-amz-copy-source, x-amz-meta-a' });
    // With an Authorization header: the Range example plus a header added after signing.
    const header: SignableRequest = {
      method: 'GET',
      rawUrl: '/test.txt',
      rawHeaders: rawHeaders({
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
        'x-amz-copy-source': 'examplebucket/secret',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      }),
    };
    expect(await failure(verifySigV4(header, opts))).toBe('unsigned-headers');
  });

  it('allowPresigned: false refuses a presigned URL and allowUnsignedPayload: false refuses UNSIGNED-PAYLOAD, before the key is used', async () => {
    const keys = keyTable({ AKIAIOSFODNN7EXAMPLE: { secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
    const url =
      '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const req: SignableRequest = { method: 'GET', rawUrl: url, rawHeaders: ['Host', 'examplebucket.s3.amazonaws.com'] };
    const presignedRefusal = await verifySigV4(req, { service: 's3', keys, now: () => s3Now, allowPresigned: false }).catch((e: unknown) => e);
    expect(isSigV4Error(presignedRefusal) && [presignedRefusal.reason, presignedRefusal.message]).toEqual(['malformed', expect.stringMatching(/does not accept presigned/)]);
    expect(await failure(verifySigV4(req, { service: 's3', keys, now: () => s3Now, allowUnsignedPayload: false }))).toBe('malformed');
    expect(keys.used).toEqual([]);
    expect(await failure(verifySigV4(req, { service: 's3', keys, now: () => s3Now }))).toBe('verified');
  });
});

import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { fuzzServer } from '../../operations/fuzz-server.test-support.js';
import { names, seededRandom, shuffled } from '../../operations/input-fuzz.test-support.js';
import { Sha256 } from './s3.test-support.js';

// The input fuzz (operations/input-fuzz.test.ts) for the S3 API, a transport outside the operation table:
// bad bucket names, keys over 1024 bytes, query parameters S3 refuses (max-keys=abc, partNumber=0, an
// uploadId no upload has, a continuation token not given out), malformed XML for CompleteMultipartUpload
// and DeleteObjects, a Content-MD5 that is not one or does not match, a copy source that names nothing.
// Every answer must be a 4xx in S3's XML error shape with the code naming the problem (and the message or
// the error's fields naming the argument), never a 5xx or a hang; a Range header S3 cannot read is ignored,
// as S3 does (200 and the whole object), or refused 416. A canary object is unchanged after. Every case
// is sent (a fixed set, in an order LOAM_FUZZ_SEED picks), no time cut.

const fuzz = fuzzServer({ seed: 20261129, timeoutMs: 20_000 });
const SEED = fuzz.seed;

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

const hex = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('base64');
/** A path's segments percent-encoded as an SDK sends them (slashes kept). */
const encodePath = (p: string) => p.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

/** An S3 request signed by the AWS SDK's own SigV4 signer. */
async function s3(method: string, path: string, opts: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const u = new URL(fuzz.url);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: fuzz.loam.adminAccessKeyId, secretAccessKey: fuzz.loam.adminSecretAccessKey }, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const body = opts.body;
  const headers = { host: u.host, 'x-amz-content-sha256': hex(body ?? ''), ...(opts.headers ?? {}) };
  const encoded = encodePath(path);
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: encoded, query: opts.query ?? {}, headers, ...(body !== undefined ? { body } : {}) });
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') sent[k] = String(v);
  const q = Object.entries(opts.query ?? {}).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const res = await fetch(`${fuzz.url}${encoded}${q ? `?${q}` : ''}`, { method, headers: sent, ...(body !== undefined ? { body } : {}), signal: fuzz.signal() });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

interface Case {
  readonly label: string;
  readonly send: () => Promise<Answer>;
  /** The S3 codes that name the problem. */
  readonly codes: readonly string[];
  /** What the message or the error's other fields must name (an argument, a value). */
  readonly names?: string;
  /** A Range S3 cannot read: ignored (200, the whole object) or refused (416). */
  readonly range?: true;
  /**
   * CompleteMultipartUpload: work past 2 s is answered 200 at once and its error written in the body, as
   * S3 does (s3-keep-alive.ts) — on a loaded machine even a refusal can take that long.
   */
  readonly keepAlive?: true;
}

const CANARY = { bucket: 'fuzz-canary', key: 'keep/canary.txt', body: 'the canary object, which no refused request may change' };
const xmlField = (xml: string, name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];

function judge(c: Case, a: Answer): string | undefined {
  if (c.range && a.status === 200) return a.text === CANARY.body ? undefined : `200 with another body: ${a.text.slice(0, 200)}`;
  const late = c.keepAlive && a.status === 200 && /^<\?xml[^>]*>\s*<Error>/.test(a.text);
  if (!late && (a.status < 400 || a.status >= 500)) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  const code = xmlField(a.text, 'Code');
  const message = xmlField(a.text, 'Message');
  if (!/^<\?xml[^>]*>\s*<Error>/.test(a.text) || !code || !message) return `not S3's XML error: ${a.text.slice(0, 300)}`;
  if (!c.codes.includes(code)) return `code ${code}, not ${c.codes.join(' or ')}: ${message}`;
  if (c.names !== undefined && !names(a.text.replace(/<Resource>[\s\S]*?<\/Resource>/, ''), c.names)) return `the error does not name '${c.names}': ${a.text.slice(0, 300)}`;
  return undefined;
}

function cases(uploadId: string): Case[] {
  const out: Case[] = [];
  const add = (label: string, codes: readonly string[], send: () => Promise<Answer>, names?: string) => out.push({ label, codes, send, ...(names ? { names } : {}) });
  const { bucket, key } = CANARY;
  const mpKey = 'mp/object.bin';

  // Bucket names S3 refuses: too short, too long, upper case, underscore, an IP address, dots in a row, a dash at an end.
  for (const name of ['ab', 'b'.repeat(64), 'UpperCase', 'under_score', '192.168.5.4', 'dots..twice', '-leading', 'trailing-', 'xn--punycode', 'bad!char']) {
    add(`CreateBucket ${name}`, ['InvalidBucketName'], () => s3('PUT', `/${name}`));
    add(`PutObject into ${name}`, ['InvalidBucketName', 'NoSuchBucket'], () => s3('PUT', `/${name}/k`, { body: 'x' }));
    add(`ListObjectsV2 of ${name}`, ['InvalidBucketName', 'NoSuchBucket'], () => s3('GET', `/${name}`, { query: { 'list-type': '2' } }));
  }
  // Keys over 1024 bytes (of UTF-8: 513 two-byte characters are 1026 bytes).
  for (const [what, k] of [['1025 bytes', 'k'.repeat(1025)], ['513 two-byte characters', 'é'.repeat(513)]] as const) {
    add(`PutObject key of ${what}`, ['KeyTooLongError'], () => s3('PUT', `/${bucket}/${k}`, { body: 'x' }));
    add(`GetObject key of ${what}`, ['KeyTooLongError', 'NoSuchKey'], () => s3('GET', `/${bucket}/${k}`));
    add(`CreateMultipartUpload key of ${what}`, ['KeyTooLongError'], () => s3('POST', `/${bucket}/${k}`, { query: { uploads: '' } }));
    add(`CopyObject to a key of ${what}`, ['KeyTooLongError'], () => s3('PUT', `/${bucket}/${k}`, { headers: { 'x-amz-copy-source': `/${bucket}/${key}` } }));
    add(`CopyObject from a key of ${what}`, ['KeyTooLongError', 'NoSuchKey'], () => s3('PUT', `/${bucket}/copy`, { headers: { 'x-amz-copy-source': `/${bucket}/${encodeURIComponent(k)}` } }));
  }
  // List parameters.
  for (const v of ['abc', '-1', '1.5', '', '1e3', '0x10']) {
    add(`ListObjectsV2 max-keys=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}`, { query: { 'list-type': '2', 'max-keys': v } }), 'max-keys');
    add(`ListObjects max-keys=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}`, { query: { 'max-keys': v } }), 'max-keys');
  }
  for (const v of ['abc', '-1', '1.5', '']) {
    add(`ListParts max-parts=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}/${mpKey}`, { query: { uploadId, 'max-parts': v } }), 'max-parts');
    add(`ListParts part-number-marker=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}/${mpKey}`, { query: { uploadId, 'part-number-marker': v } }), 'part-number-marker');
    add(`ListMultipartUploads max-uploads=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}`, { query: { uploads: '', 'max-uploads': v } }), 'max-uploads');
  }
  add('ListObjectsV2 continuation-token not given out', ['InvalidArgument'], () => s3('GET', `/${bucket}`, { query: { 'list-type': '2', 'continuation-token': 'not-a-token!' } }), 'continuation-token');
  add('ListObjectsV2 encoding-type=xml', ['InvalidArgument'], () => s3('GET', `/${bucket}`, { query: { 'list-type': '2', 'encoding-type': 'xml' } }), 'encoding-type');
  // Part numbers.
  for (const v of ['0', '10001', 'abc', '-1', '1.5', '']) {
    add(`UploadPart partNumber=${v}`, ['InvalidArgument'], () => s3('PUT', `/${bucket}/${mpKey}`, { query: { partNumber: v, uploadId }, body: 'part' }), 'partNumber');
    add(`GetObject partNumber=${v}`, ['InvalidArgument'], () => s3('GET', `/${bucket}/${key}`, { query: { partNumber: v } }), 'partNumber');
  }
  // An upload id no upload has.
  const nope = 'fuzz-no-such-upload';
  add('UploadPart unknown uploadId', ['NoSuchUpload'], () => s3('PUT', `/${bucket}/${mpKey}`, { query: { partNumber: '1', uploadId: nope }, body: 'part' }), nope);
  add('ListParts unknown uploadId', ['NoSuchUpload'], () => s3('GET', `/${bucket}/${mpKey}`, { query: { uploadId: nope } }), nope);
  add('AbortMultipartUpload unknown uploadId', ['NoSuchUpload'], () => s3('DELETE', `/${bucket}/${mpKey}`, { query: { uploadId: nope } }), nope);
  out.push({ label: 'CompleteMultipartUpload unknown uploadId', codes: ['NoSuchUpload'], names: nope, keepAlive: true, send: () => s3('POST', `/${bucket}/${mpKey}`, { query: { uploadId: nope }, body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>' }) });
  add('UploadPart uploadId of another key', ['NoSuchUpload'], () => s3('PUT', `/${bucket}/other-key`, { query: { partNumber: '1', uploadId }, body: 'part' }), uploadId);
  // Malformed CompleteMultipartUpload bodies (the upload is real; it must still be there after).
  const complete = (what: string, body: string, codes: readonly string[] = ['MalformedXML']) => out.push({ label: `CompleteMultipartUpload ${what}`, codes, keepAlive: true, send: () => s3('POST', `/${bucket}/${mpKey}`, { query: { uploadId }, body }) });
  complete('not XML', 'this is not xml');
  complete('empty body', '');
  complete('truncated', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>');
  complete('no parts', '<CompleteMultipartUpload></CompleteMultipartUpload>');
  complete('another root', '<Delete><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></Delete>');
  complete('part number not a number', '<CompleteMultipartUpload><Part><PartNumber>abc</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>', ['MalformedXML', 'InvalidArgument', 'InvalidPart']);
  complete('part number 0', '<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>', ['MalformedXML', 'InvalidArgument', 'InvalidPart']);
  complete('part without ETag', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>', ['MalformedXML', 'InvalidPart']);
  complete('a part not uploaded', '<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>"0123"</ETag></Part></CompleteMultipartUpload>', ['InvalidPart']);
  complete('parts out of order', '<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"a"</ETag></Part><Part><PartNumber>1</PartNumber><ETag>"b"</ETag></Part></CompleteMultipartUpload>', ['InvalidPartOrder', 'InvalidPart']);
  complete('part number past 10000', '<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>', ['MalformedXML', 'InvalidArgument', 'InvalidPart']);
  // Malformed DeleteObjects bodies (with a right Content-MD5, as S3 wants one).
  const del = (what: string, body: string, codes: readonly string[] = ['MalformedXML']) => add(`DeleteObjects ${what}`, codes, () => s3('POST', `/${bucket}`, { query: { delete: '' }, body, headers: { 'content-md5': md5(body) } }));
  del('not XML', 'this is not xml');
  del('empty body', '');
  del('truncated', '<Delete><Object><Key>keep/canary.txt</Key>');
  del('no objects', '<Delete><Quiet>true</Quiet></Delete>');
  del('another root', '<CompleteMultipartUpload><Object><Key>keep/canary.txt</Key></Object></CompleteMultipartUpload>');
  del('an object without a key', '<Delete><Object><VersionId>1</VersionId></Object></Delete>');
  del('1001 objects', `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`);
  del('Quiet not a boolean', '<Delete><Quiet>maybe</Quiet><Object><Key>nothing-here</Key></Object></Delete>');
  // Content-MD5 that is not one, or does not match (on the canary's own key: it must stay as it was).
  for (const [what, value, codes] of [['not base64', 'not base64!', ['InvalidDigest']], ['16 bytes short', md5('x').slice(0, 10), ['InvalidDigest']], ['of another body', md5('another body'), ['BadDigest']], ['empty', '', ['InvalidDigest']]] as const) {
    add(`PutObject Content-MD5 ${what}`, codes, () => s3('PUT', `/${bucket}/${key}`, { body: 'overwritten!', headers: { 'content-md5': value } }));
    add(`UploadPart Content-MD5 ${what}`, codes, () => s3('PUT', `/${bucket}/${mpKey}`, { query: { partNumber: '3', uploadId }, body: 'part', headers: { 'content-md5': value } }));
    const body = `<Delete><Object><Key>${key}</Key></Object></Delete>`;
    add(`DeleteObjects Content-MD5 ${what}`, codes, () => s3('POST', `/${bucket}`, { query: { delete: '' }, body, headers: { 'content-md5': value } }));
  }
  // Copy sources that name nothing.
  for (const src of ['no-slash', '/', `/${bucket}`, `/${bucket}/`, '%ZZ', `/${bucket}/${encodeURIComponent(key)}?versionId=`]) {
    add(`CopyObject x-amz-copy-source '${src}'`, ['InvalidArgument', 'InvalidRequest', 'NoSuchKey', 'NoSuchBucket', 'InvalidBucketName'], () => s3('PUT', `/${bucket}/copy-target`, { headers: { 'x-amz-copy-source': src } }));
  }
  // Ranges S3 cannot read (ignored: the whole object) or cannot satisfy (416).
  for (const range of ['bytes=abc', 'bytes=5-1', 'bytes=99999999999999999999-', 'bytes=-0', 'items=0-1', 'bytes=0-1,3-4', 'bytes=--1', 'bytes= 1-2', 'bytes=1e3-']) {
    out.push({ label: `GetObject Range '${range}'`, codes: ['InvalidRange'], range: true, send: () => s3('GET', `/${bucket}/${key}`, { headers: { range } }) });
  }
  return out;
}

/** What a refused request could touch, as the API answers it. */
async function snapshot(uploadId: string): Promise<unknown> {
  const get = await s3('GET', `/${CANARY.bucket}/${CANARY.key}`);
  const list = await s3('GET', `/${CANARY.bucket}`, { query: { 'list-type': '2' } });
  const parts = await s3('GET', `/${CANARY.bucket}/mp/object.bin`, { query: { uploadId } });
  const buckets = await s3('GET', '/');
  const strip = (x: string) => x.replace(/<(LastModified|Initiated)>[^<]*<\/\1>/g, '');
  return { object: [get.status, get.text, get.headers.get('etag')], list: [list.status, strip(list.text)], parts: [parts.status, strip(parts.text)], buckets: [buckets.status, buckets.text.replace(/<CreationDate>[^<]*<\/CreationDate>/g, '')] };
}

describe('S3 input fuzz: bad names, keys, parameters, XML, digests and ranges get a 4xx naming the problem', () => {
  it(`seed ${SEED}: no 5xx, no hang, S3's error codes, the canary object unchanged`, async () => {
    expect((await s3('PUT', `/${CANARY.bucket}`)).status).toBe(200);
    expect((await s3('PUT', `/${CANARY.bucket}/${CANARY.key}`, { body: CANARY.body })).status).toBe(200);
    const created = await s3('POST', `/${CANARY.bucket}/mp/object.bin`, { query: { uploads: '' } });
    const uploadId = xmlField(created.text, 'UploadId') as string;
    expect(uploadId, created.text).toBeTruthy();
    expect((await s3('PUT', `/${CANARY.bucket}/mp/object.bin`, { query: { partNumber: '1', uploadId }, body: 'first part' })).status).toBe(200);
    const before = await snapshot(uploadId);

    const all = shuffled(cases(uploadId), seededRandom(SEED));
    const findings = (await fuzz.sendAll(all.map((c) => async () => {
      const problem = judge(c, await c.send());
      return problem && `${c.label}: ${problem}`;
    }), (i, e) => `${all[i]?.label}: no answer (${String(e)})`)).filter((f): f is string => typeof f === 'string'); // no answer: a timeout (a hang) or a dropped connection
    console.info(`s3 input fuzz: seed ${SEED}, ${all.length} cases`);
    expect(findings).toEqual([]);
    expect(await snapshot(uploadId)).toEqual(before);
  }, 120_000);
});

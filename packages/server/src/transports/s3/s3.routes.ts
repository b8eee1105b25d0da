import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ArtifactStore } from '@loam/core';
import { verifySigV4, type AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import { allowEmptySegments, onBadUrl } from '../../http/build-app.js';
import type { Authorizer } from '../../operations/dispatcher.js';
import { abortMultipartUpload, completeMultipartUpload, copyObject, createMultipartUpload, deleteObject, getObject, getObjectTagging, listParts, putObject, uploadPart, uploadPartCopy } from './s3-objects.js';
import { createBucket, deleteBucket, deleteObjects, getBucketLocation, headBucket, listBuckets, listMultipartUploads, listObjects } from './s3-buckets.js';
import type { S3BucketContext, S3Context, S3ObjectContext } from './s3-context.js';
import { S3_CONSTRAINT, addS3Constraint, isS3Request } from './s3-detect.js';
import { S3Error, accessDenied, checkKeyLength, notImplemented, s3ErrorXml, toS3Error } from './s3-errors.js';
import { MultipartUploads } from './s3-multipart.js';
import { headerOf, s3Arn, s3Target, type S3Target } from './s3-request.js';

export interface S3TransportDeps {
  readonly store: ArtifactStore;
  readonly keys: AccessKeyResolver;
  readonly authorize: Authorizer;
  readonly region: string;
  /** The account that owns every bucket: what `x-amz-expected-bucket-owner` must name. */
  readonly accountId: string;
  /** Multipart parts are staged under `<dataDir>/s3-multipart`. */
  readonly dataDir: string;
  /** How long a GetObject client may take no byte of the body before its answer is cut off (http/store-body.ts); never when absent. */
  readonly stalledClientMs?: number;
}

/** Subresources of S3 that Loam does not serve: answered NotImplemented rather than mistaken for a plain GET/PUT. */
const UNSUPPORTED = [
  'acl', 'policy', 'policyStatus', 'versioning', 'versions', 'tagging', 'cors', 'lifecycle', 'encryption', 'website', 'logging', 'notification',
  'replication', 'requestPayment', 'object-lock', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'attributes', 'accelerate',
  'analytics', 'inventory', 'metrics', 'intelligent-tiering', 'ownershipControls', 'publicAccessBlock', 'session',
];

/** Signature Version 2 (botocore's default for presigning: boto3, and `aws s3 presign` in CLI v1 and v2): the message names each client's fix. */
export const SIGV2_REFUSED =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256: in boto3, ' +
  'Config(signature_version="s3v4"); in the aws CLI (v1 and v2), a config file with "[profile loam]" and "s3 =" / "    signature_version = s3v4" (see docs/aws-clients.md).';

/** An S3 action: the IAM action it needs, on which resource, and its handler. */
interface Action {
  readonly name: string;
  /** Undefined when the handler authorizes each item itself. */
  readonly iam: string | undefined;
  readonly resource: string;
  readonly run: (c: S3Context) => Promise<unknown>;
}

function resolve(method: string, t: S3Target, req: FastifyRequest): Action {
  const q = t.query;
  // Loam keeps no object tags, so every object's tag set is empty; the aws CLI reads it before a multipart
  // copy between S3 locations (`--copy-props default`). Setting tags stays NotImplemented.
  if (method === 'GET' && q.has('tagging') && t.bucket !== undefined && t.key !== undefined) {
    const oc = (f: (c: S3ObjectContext) => Promise<unknown>) => (c: S3Context) => f(c as S3ObjectContext);
    return { name: 'GetObjectTagging', iam: 's3:GetObjectTagging', resource: s3Arn(t.bucket, t.key), run: oc(getObjectTagging) };
  }
  const sub = UNSUPPORTED.find((s) => q.has(s));
  if (sub) throw notImplemented(`?${sub}`);
  const { bucket, key } = t;
  if (bucket === undefined) {
    if (method === 'GET') return { name: 'ListBuckets', iam: 's3:ListAllMyBuckets', resource: s3Arn(undefined), run: listBuckets };
    throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  const b = s3Arn(bucket);
  const bc = (f: (c: S3BucketContext) => Promise<unknown>) => (c: S3Context) => f(c as S3BucketContext);
  if (key === undefined) {
    if (method === 'GET' && q.has('location')) return { name: 'GetBucketLocation', iam: 's3:GetBucketLocation', resource: b, run: bc(getBucketLocation) };
    if (method === 'GET' && q.has('uploads')) return { name: 'ListMultipartUploads', iam: 's3:ListBucketMultipartUploads', resource: b, run: bc(listMultipartUploads) };
    if (method === 'GET') return { name: q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', iam: 's3:ListBucket', resource: b, run: bc((c) => listObjects(c, q.get('list-type') === '2')) };
    if (method === 'HEAD') return { name: 'HeadBucket', iam: 's3:ListBucket', resource: b, run: bc(headBucket) };
    if (method === 'PUT') return { name: 'CreateBucket', iam: 's3:CreateBucket', resource: b, run: bc(createBucket) };
    if (method === 'DELETE') return { name: 'DeleteBucket', iam: 's3:DeleteBucket', resource: b, run: bc(deleteBucket) };
    // As on AWS, DeleteObjects has no permission of its own: the handler authorizes s3:DeleteObject per key.
    if (method === 'POST' && q.has('delete')) return { name: 'DeleteObjects', iam: undefined, resource: b, run: bc(deleteObjects) };
    throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  checkKeyLength(key);
  const o = s3Arn(bucket, key);
  const oc = (f: (c: S3ObjectContext) => Promise<unknown>) => (c: S3Context) => f(c as S3ObjectContext);
  const uploadId = q.get('uploadId');
  const copy = headerOf(req, 'x-amz-copy-source');
  switch (method) {
    case 'PUT':
      if (uploadId !== undefined) {
        if (copy !== undefined) return { name: 'UploadPartCopy', iam: 's3:PutObject', resource: o, run: oc((c) => uploadPartCopy(c, uploadId, copy)) };
        return { name: 'UploadPart', iam: 's3:PutObject', resource: o, run: oc((c) => uploadPart(c, uploadId)) };
      }
      if (copy !== undefined) return { name: 'CopyObject', iam: 's3:PutObject', resource: o, run: oc((c) => copyObject(c, copy)) };
      return { name: 'PutObject', iam: 's3:PutObject', resource: o, run: oc(putObject) };
    case 'GET':
      if (uploadId !== undefined) return { name: 'ListParts', iam: 's3:ListMultipartUploadParts', resource: o, run: oc((c) => listParts(c, uploadId)) };
      return { name: 'GetObject', iam: 's3:GetObject', resource: o, run: oc((c) => getObject(c, false)) };
    case 'HEAD':
      return { name: 'HeadObject', iam: 's3:GetObject', resource: o, run: oc((c) => getObject(c, true)) };
    case 'DELETE':
      if (uploadId !== undefined) return { name: 'AbortMultipartUpload', iam: 's3:AbortMultipartUpload', resource: o, run: oc((c) => abortMultipartUpload(c, uploadId)) };
      return { name: 'DeleteObject', iam: 's3:DeleteObject', resource: o, run: oc(deleteObject) };
    case 'POST':
      if (q.has('uploads')) return { name: 'CreateMultipartUpload', iam: 's3:PutObject', resource: o, run: oc(createMultipartUpload) };
      if (uploadId !== undefined) return { name: 'CompleteMultipartUpload', iam: 's3:PutObject', resource: o, run: oc((c) => completeMultipartUpload(c, uploadId)) };
  }
  throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}

/**
 * `x-amz-expected-bucket-owner` (`--expected-bucket-owner`) and, on copies, `x-amz-source-expected-bucket-owner`:
 * a script's guard against writing to or reading from a bucket of another account. S3 refuses a request whose
 * account does not own the bucket with 403 Access Denied; every Loam bucket belongs to the one account.
 */
function checkExpectedOwners(req: FastifyRequest, t: S3Target, accountId: string): void {
  const expected = headerOf(req, 'x-amz-expected-bucket-owner');
  if (expected !== undefined && t.bucket !== undefined && expected !== accountId) throw accessDenied();
  const source = headerOf(req, 'x-amz-source-expected-bucket-owner');
  if (source !== undefined && headerOf(req, 'x-amz-copy-source') !== undefined && source !== accountId) throw accessDenied();
}

/**
 * SSE-C (a customer-provided key) is refused rather than dropped: S3 serves such an object only to a request
 * carrying the same key, so storing it plainly would let every reader with s3:GetObject read what the writer
 * meant to lock. SSE-S3 (`AES256`) and SSE-KMS (`aws:kms`) are accepted as they are: they change nothing a
 * client sees, and the SageMaker Python SDK sends `aws:kms` itself when it uploads a repacked model.
 */
function refuseCustomerKeys(req: FastifyRequest): void {
  for (const name of ['x-amz-server-side-encryption-customer-algorithm', 'x-amz-copy-source-server-side-encryption-customer-algorithm']) {
    if (headerOf(req, name) !== undefined) throw notImplemented(`${name} (SSE-C: Loam keeps no customer-provided keys; send the object without --sse-c)`);
  }
}

function sendS3Error(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { error, internal } = toS3Error(e);
  if (internal) req.log.error({ err: e }, 'request failed');
  void reply.code(error.status).header('x-amz-request-id', req.id);
  // HEAD answers carry no body; the SDKs read the status alone.
  if (req.method === 'HEAD') return reply.send();
  return reply.type('application/xml').send(s3ErrorXml(error, (req.raw.url ?? req.url).split('?')[0] as string, req.id));
}

/**
 * An S3-compatible REST API over the ArtifactStore port, for requests signed for service `s3` or
 * addressed to `<bucket>.localhost` (see s3-detect.ts): path-style and virtual-hosted buckets, objects
 * (ranges, copies), ListObjects v1/v2, DeleteObjects, multipart uploads, presigned URLs, aws-chunked
 * bodies. Every request is SigV4-verified against Loam's access keys, then the IAM action
 * (`s3:GetObject` on `arn:loam:s3:::bucket/key`, …) is authorized before anything is read or written.
 */
export function registerS3Transport(app: FastifyInstance, deps: S3TransportDeps): void {
  addS3Constraint(app);
  // A path whose percent-escapes do not decode never reaches a route: S3 answers it 400 InvalidURI.
  onBadUrl(app, (req) => isS3Request(req.headers, req.raw.url ?? '/'), (reply, message) => {
    void sendS3Error(new S3Error('InvalidURI', 400, `Couldn't parse the specified URI. ${message}`), reply.request, reply);
  });
  // Object keys may hold empty segments (`a//b`), as on S3.
  allowEmptySegments(app, (req) => isS3Request(req.headers, req.raw.url ?? '/'));
  const uploads = new MultipartUploads(join(deps.dataDir, 's3-multipart'));
  // Before the first request: what a crash left in the multipart staging area is nobody's now.
  app.addHook('onReady', async () => {
    const removed = await uploads.sweep();
    if (removed > 0) app.log.info({ removed }, 'removed multipart upload files left by a crash');
  });
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Bodies stay unread until the handler has verified the signature and streams them through.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.setErrorHandler((error, req, reply) => sendS3Error(error, req, reply));
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-amz-request-id', req.id);
      const auth = req.headers.authorization;
      const rawUrl = req.raw.url ?? req.url;
      if ((typeof auth === 'string' && auth.startsWith('AWS ')) || /[?&]AWSAccessKeyId=/.test(rawUrl)) {
        throw new S3Error('InvalidRequest', 400, SIGV2_REFUSED);
      }
      const target = s3Target(req);
      let verified;
      try {
        verified = await verifySigV4({ method: req.method, rawUrl, rawHeaders: req.raw.rawHeaders }, { service: 's3', keys: deps.keys });
      } catch (e) {
        if ((e as { reason?: string }).reason === 'missing') throw accessDenied();
        throw e;
      }
      const action = resolve(req.method, target, req);
      const principal = verified.principal;
      const authorize = (iam: string, resource: string) => deps.authorize(principal, iam, resource);
      if (action.iam !== undefined) await authorize(action.iam, action.resource);
      checkExpectedOwners(req, target, deps.accountId);
      refuseCustomerKeys(req);
      const ctx: S3Context = { req, reply, target, verified, principal, store: deps.store, uploads, region: deps.region, authorize, ...(deps.stalledClientMs === undefined ? {} : { stalledClientMs: deps.stalledClientMs }) };
      return action.run(ctx);
    };
    const route = { method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], constraints: { [S3_CONSTRAINT]: 's3' }, exposeHeadRoute: false, handler };
    scope.route({ ...route, url: '/' });
    scope.route({ ...route, url: '/*' });
  });
}

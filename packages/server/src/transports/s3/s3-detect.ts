import type { FastifyInstance } from 'fastify';
import { hostnameOf } from '../../http/host-allowlist.js';
import { claimedService } from '../../auth/sigv4/sigv4-parse.js';

/** The route constraint that sends S3 requests to the S3 routes, whatever their path. */
export const S3_CONSTRAINT = 'awsService';

/** `<bucket>.localhost` (and `<bucket>.<label>.localhost`): loopback names, which always resolve here. */
export function virtualHostBucket(hostHeader: string | undefined): string | undefined {
  const host = hostnameOf(hostHeader ?? '');
  const m = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost$/.exec(host);
  return m?.[1];
}

/**
 * Whether a request speaks S3: signed for service `s3` (Authorization header or presigned query),
 * signed with S3's old `AWS <key>:<sig>` scheme (refused later, in S3's words), or addressed to a
 * bucket's virtual host. Everything else (REST, Studio, SageMaker) is left to its own routes.
 */
export function isS3Request(headers: Readonly<Record<string, string | string[] | undefined>>, rawUrl: string): boolean {
  const auth = typeof headers['authorization'] === 'string' ? headers['authorization'] : undefined;
  if (auth?.startsWith('AWS ')) return true;
  const q = rawUrl.indexOf('?');
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (claimedService(auth, query) === 's3') return true;
  // A Signature Version 2 presigned URL (boto3's default for presigning): S3's, refused in S3's words.
  if (/(^|&)AWSAccessKeyId=/.test(query) && /(^|&)Signature=/.test(query)) return true;
  return virtualHostBucket(typeof headers['host'] === 'string' ? headers['host'] : undefined) !== undefined;
}

/**
 * Adds the `awsService` constraint: S3 requests derive `s3` and, because the constraint must match
 * when derived, reach only routes declared with it. So a bucket may be named `api` or `healthz`, and
 * `GET /` is ListBuckets for an S3 client and Studio for a browser.
 */
export function addS3Constraint(app: FastifyInstance): void {
  app.addConstraintStrategy({
    name: S3_CONSTRAINT,
    mustMatchWhenDerived: true,
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, store: unknown) => void handlers.set(value, store),
      };
    },
    deriveConstraint: (req: { headers: Record<string, string | string[] | undefined>; url?: string }) => (isS3Request(req.headers, req.url ?? '/') ? 's3' : undefined) as string,
    validate(value: unknown) {
      if (value !== 's3') throw new Error(`awsService constraint must be 's3', not ${String(value)}`);
    },
  } as Parameters<FastifyInstance['addConstraintStrategy']>[0]);
}

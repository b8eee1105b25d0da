import type { DataAccess } from '@loam/contracts';
import { authorizeData, LoamError, parseS3Uri, ValidationError, type ArtifactStore, type PolicyDocument, type Principal } from '@loam/core';

/** Checks one location a request makes Loam read or write for the caller; throws AccessDeniedError (403). */
export type DataAccessAuthorizer = (principal: Principal, access: DataAccess) => Promise<void>;

export interface DataAccessDeps {
  readonly policiesOf: (userName: string) => Promise<readonly PolicyDocument[]>;
  /** A manifest's bytes (at most `maxBytes`; longer → undefined), or undefined when there is no such object. */
  readonly readObject: (bucket: string, key: string, maxBytes: number) => Promise<Buffer | undefined>;
}

/** Manifests are read whole when the request is taken; SageMaker's are small lists of keys. */
const MANIFEST_LIMIT = 64 * 1024 * 1024;

const s3Resource = (bucket: string, key: string): string => `arn:loam:s3:::${bucket}/${key}`;

/**
 * The caller's own S3 permissions applied to what Loam will do for them (ADR 0019): each action on
 * the object, or on every object under the prefix; for a ManifestFile, once the manifest itself may
 * be read, `s3:GetObject` under the prefix it names. URIs that are not `s3://` are left to the
 * operation's own validation.
 */
export function dataAccessAuthorizer(deps: DataAccessDeps): DataAccessAuthorizer {
  return async (principal, access) => {
    const ref = parseS3Uri(access.uri);
    if (!ref) return;
    const policies = await deps.policiesOf(principal.userName);
    for (const action of access.actions) authorizeData(principal, policies, action, s3Resource(ref.bucket, ref.key), access.scope, access.field);
    if (!access.manifest) return;
    const prefix = await manifestPrefix(deps, access, ref.bucket, ref.key);
    if (prefix) authorizeData(principal, policies, 's3:GetObject', s3Resource(prefix.bucket, prefix.key), 'prefix', `${access.field} (its "prefix")`);
  };
}

/** The `{"prefix": "s3://…"}` a manifest starts with; undefined when it cannot be read (the job then fails naming it, as before). */
async function manifestPrefix(deps: DataAccessDeps, access: DataAccess, bucket: string, key: string): Promise<{ bucket: string; key: string } | undefined> {
  const bytes = await deps.readObject(bucket, key, MANIFEST_LIMIT);
  if (bytes === undefined) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const first = Array.isArray(manifest) ? (manifest[0] as { prefix?: unknown } | undefined) : undefined;
  if (typeof first?.prefix !== 'string') return undefined;
  const ref = parseS3Uri(first.prefix);
  if (!ref) throw new ValidationError(`The manifest ${access.uri} names prefix '${first.prefix}', which is not an s3:// URI.`, [{ path: access.field, message: 'manifest prefix must be s3://' }]);
  return ref;
}

/** An object's bytes when it exists, is readable and holds at most `maxBytes`; otherwise undefined. */
export async function readObjectUpTo(store: ArtifactStore, bucket: string, key: string, maxBytes: number): Promise<Buffer | undefined> {
  try {
    const info = await store.head({ bucket, key });
    if (!info || info.size > maxBytes) return undefined;
    const { body } = await store.get({ bucket, key });
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > maxBytes) {
        body.destroy();
        return undefined;
      }
      chunks.push(c);
    }
    return Buffer.concat(chunks, n);
  } catch (e) {
    // A bad name or a missing bucket/object: the operation's own checks (or the job) report it.
    if (e instanceof LoamError) return undefined;
    throw e;
  }
}

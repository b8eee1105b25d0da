import { buffer } from 'node:stream/consumers';
import { manifestPrefixOf, type DataAccess } from '@loam/contracts';
import { authorizeData, evaluatePrefix, LoamError, NotFoundError, parseS3Uri, ValidationError, type ArtifactStore, type PolicyDocument, type Principal } from '@loam/core';
import { s3Arn } from '../transports/s3/s3-request.js';
import type { OwnedObjectsCheck } from './owned-buckets.js';

/**
 * Checks one location a request makes Loam read or write for the caller; throws AccessDeniedError (403).
 * For a ManifestFile, resolves with the `prefix` the manifest named (the job holds the runner to it).
 */
export type DataAccessAuthorizer = (principal: Principal, access: DataAccess) => Promise<string | undefined>;

export interface DataAccessDeps {
  readonly policiesOf: (userName: string) => Promise<readonly PolicyDocument[]>;
  /** A manifest's bytes (at most `maxBytes`; longer → undefined), or undefined when there is no such object. */
  readonly readObject: (bucket: string, key: string, maxBytes: number) => Promise<Buffer | undefined>;
  /** Locations in Loam's own buckets are also checked against what holds their objects (owned-buckets.ts). */
  readonly ownedObjects?: OwnedObjectsCheck;
}

/** Manifests are read whole when the request is taken; SageMaker's are small lists of keys. */
const MANIFEST_LIMIT = 16 * 1024 * 1024;

/**
 * The caller's own S3 permissions applied to what Loam will do for them (ADR 0019): each action on
 * the object, or on every object under the prefix; for a ManifestFile, once the manifest itself may
 * be read, `s3:GetObject` under the prefix it names. URIs that are not `s3://` are left to the
 * operation's own validation.
 */
export function dataAccessAuthorizer(deps: DataAccessDeps): DataAccessAuthorizer {
  return async (principal, access) => {
    // Not S3 (an https:// ModelDataUrl …): the operation's own validation refuses it; Loam fetches only s3://.
    if (!access.uri.startsWith('s3://')) return undefined;
    const ref = parseS3Uri(access.uri);
    if (!ref) throw new ValidationError(`${access.field} '${access.uri}' is not an s3://bucket/key URI.`, [{ path: access.field, message: 'expected s3://bucket/key' }]);
    const policies = await deps.policiesOf(principal.userName);
    for (const action of access.actions) authorizeData(principal, policies, action, s3Arn(ref.bucket, ref.key), access.scope, access.field);
    await deps.ownedObjects?.(principal, policies, access, ref);
    // A caller who may read every object (AdministratorAccess) needs no manifest read: any prefix is theirs.
    if (!access.manifest || evaluatePrefix(policies, 's3:GetObject', 'arn:loam:s3:::') === 'Allow') return undefined;
    const prefix = await manifestPrefix(deps, access, ref.bucket, ref.key);
    authorizeData(principal, policies, 's3:GetObject', s3Arn(prefix.ref.bucket, prefix.ref.key), 'prefix', `${access.field} (its "prefix")`);
    return prefix.text;
  };
}

/**
 * The `{"prefix": "s3://…"}` a manifest starts with, decoded as the runner decodes it (UTF-8, a BOM
 * dropped). A manifest that cannot be checked — missing, unreadable, over the limit, not such a JSON
 * array — refuses the request: the runner would read whatever is there when the job starts.
 */
async function manifestPrefix(deps: DataAccessDeps, access: DataAccess, bucket: string, key: string): Promise<{ text: string; ref: { bucket: string; key: string } }> {
  const refuse = (why: string): never => {
    throw new ValidationError(`The manifest ${access.uri} (${access.field}) ${why}; Loam reads it when the request is taken, to check the prefix it names.`, [{ path: access.field, message: why }]);
  };
  const bytes = await deps.readObject(bucket, key, MANIFEST_LIMIT);
  if (bytes === undefined) return refuse(`does not exist or is larger than ${MANIFEST_LIMIT / 1024 / 1024} MiB`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return refuse(`is not JSON: ${(e as Error).message}`);
  }
  const named = manifestPrefixOf(manifest);
  if (named === undefined) return refuse('must be a JSON array starting with {"prefix": "s3://bucket/prefix/"}');
  const ref = named.startsWith('s3://') ? parseS3Uri(named) : undefined;
  if (!ref) return refuse(`names prefix '${named}', which is not an s3://bucket/prefix URI`);
  return { text: named, ref };
}

/**
 * Refuses an input that must hold data (`DataAccess.mustHoldObjects`) when no object's key starts with
 * its prefix, in SageMaker's words plus the input path; a bucket that does not exist holds none (any other
 * failure of the store is raised as it is). Run
 * only after every location of the request is authorized: the answer must not tell a caller who may
 * not read there what exists.
 */
export type DataPresenceCheck = (access: DataAccess) => Promise<void>;

export function dataPresenceCheck(store: ArtifactStore): DataPresenceCheck {
  return async (access) => {
    const ref = access.mustHoldObjects && access.uri.startsWith('s3://') ? parseS3Uri(access.uri) : undefined;
    if (!ref) return;
    let found: boolean;
    try {
      found = (await store.list({ bucket: ref.bucket, prefix: ref.key, maxKeys: 1 })).objects.length > 0;
    } catch (e) {
      // A missing bucket holds nothing; a store that fails (an S3 backend down) is its own error, not the caller's.
      if (!(e instanceof NotFoundError)) throw e;
      found = false;
    }
    if (!found) {
      throw new ValidationError(
        `No S3 objects found under S3 URL "${access.uri}" given in input data source (${access.field}). Please ensure that the bucket exists and that objects exist under that S3 prefix.`,
        [{ path: access.field, message: 'no S3 objects found under this prefix' }],
      );
    }
  };
}

/** An object's bytes when it exists, is readable and holds at most `maxBytes`; otherwise undefined. */
export async function readObjectUpTo(store: ArtifactStore, bucket: string, key: string, maxBytes: number): Promise<Buffer | undefined> {
  try {
    // The body is the object the info describes (writes are atomic): its size is known before a byte is read.
    const { info, body } = await store.get({ bucket, key });
    if (info.size > maxBytes) {
      body.destroy();
      return undefined;
    }
    return await buffer(body);
  } catch (e) {
    // A bad name or a missing bucket/object: the operation's own checks (or the job) report it.
    if (e instanceof LoamError) return undefined;
    throw e;
  }
}

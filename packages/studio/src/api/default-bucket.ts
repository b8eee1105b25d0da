import { loam } from './client.js';

// Studio's default bucket: created when a form that writes into it is submitted (see bucket-names.ts).

export { bucketOf, defaultBucketName } from './bucket-names.js';

const codeOf = (e: unknown) => (e as { code?: unknown })?.code;

/** Whether a bucket exists: `undefined` when the user may not ask (403) or Loam did not answer. */
export async function bucketExists(bucket: string, signal?: AbortSignal): Promise<boolean | undefined> {
  try {
    await loam.call('HeadBucket', { Bucket: bucket }, signal ? { signal } : undefined);
    return true;
  } catch (e) {
    if (codeOf(e) === 'ResourceNotFound') return false;
    return undefined;
  }
}

/**
 * Creates the default bucket when it is missing. Throws an Error whose message says what to do when
 * the user may not create it (or ask whether it exists), so the form can show it and send nothing.
 */
export async function ensureDefaultBucket(bucket: string): Promise<'existed' | 'created'> {
  if (known.has(bucket)) return 'existed';
  const r = await ensure(bucket);
  known.add(bucket);
  return r;
}

/** Default buckets this tab has seen exist: asked once, not on every submit. */
const known = new Set<string>();

async function ensure(bucket: string): Promise<'existed' | 'created'> {
  try {
    await loam.call('HeadBucket', { Bucket: bucket });
    return 'existed';
  } catch (e) {
    if (codeOf(e) !== 'ResourceNotFound') throw cannot(bucket, 'check whether it exists', 's3:ListBucket', e);
  }
  try {
    await loam.call('CreateBucket', { Bucket: bucket });
    return 'created';
  } catch (e) {
    // Another tab or user created it meanwhile: that is what was wanted.
    if (codeOf(e) === 'ResourceInUse') return 'existed';
    throw cannot(bucket, 'create it', 's3:CreateBucket', e);
  }
}

function cannot(bucket: string, what: string, action: string, e: unknown): Error {
  const why = codeOf(e) === 'AccessDeniedException'
    ? `You may not ${what} (that needs ${action} on arn:loam:s3:::${bucket})`
    : `Studio could not ${what}: ${(e as Error)?.message ?? String(e)}`;
  return new Error(`This form writes to Studio's default bucket '${bucket}', which does not exist yet. ${why}. Ask an administrator to create the bucket, or type an output location in a bucket that exists. Nothing was created.`);
}

import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef } from '@loam/core';
import { BackendConnectTimeout, BackendSocketWaitTimeout } from './s3-agent.js';
import { s3Error } from './s3-errors.js';

type S3Module = typeof import('@aws-sdk/client-s3');
type CreateCommand = InstanceType<S3Module['CreateMultipartUploadCommand']>;

/** How far the backend's clock may put an upload it made for an earlier attempt before the window we measured. */
const INITIATED_SLACK_MS = 2_000;
/** Pages of ListMultipartUploads read at most for one key. */
const MAX_PAGES = 5;

/**
 * Counts the tries of `command` that may have made an upload whose id was lost: those that failed with no answer after
 * the request could reach the backend (a reset, the idle limit). A try the backend answered (a refusal, 503 SlowDown)
 * and one that never had a connection (the connect or socket-wait limit, a refused connection) made none.
 */
export function countLostTries(command: CreateCommand): () => number {
  let lost = 0;
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        if (mayHaveMadeIt(e)) lost++;
        throw e;
      }
    },
    // The deserialize step runs once for each try, inside the SDK's retries (finalizeRequest).
    { step: 'deserialize', name: 'loamCountLostTries', override: true },
  );
  return () => lost;
}

function mayHaveMadeIt(e: unknown): boolean {
  const err = (e ?? {}) as { code?: string; $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
  if (err.$metadata?.httpStatusCode !== undefined || err.$response?.statusCode !== undefined) return false;
  if (e instanceof BackendConnectTimeout || e instanceof BackendSocketWaitTimeout) return false;
  return !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(err.code ?? '');
}

/**
 * The in-progress uploads of `ref` that earlier attempts of a CreateMultipartUpload may have made. The SDK tries the
 * request again when it had no answer (a reset, the idle limit), and S3 makes a new upload for each try: one whose
 * answer was lost is an upload nobody knows the id of, left on the backend (it holds no part, costs nothing on S3,
 * but lists forever unless a lifecycle rule aborts it). Those are the uploads of the very key whose `Initiated` lies
 * in the span the tries took, ending at our own upload's (the backend's clock for both ends: `elapsedMs` is our own
 * measure of the span, so a skew between the two clocks does not matter). Empty when our own upload is not listed.
 */
export async function uploadsOfEarlierAttempts(
  sdk: S3Module,
  client: S3Client,
  ref: ObjectRef,
  own: string,
  elapsedMs: number,
): Promise<string[]> {
  const uploads: { id: string; at: number }[] = [];
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: ref.bucket, Prefix: ref.key, ...markers }));
    for (const u of out.Uploads ?? []) {
      if (u.Key === ref.key && u.UploadId !== undefined && u.Initiated !== undefined) uploads.push({ id: u.UploadId, at: u.Initiated.getTime() });
    }
    if (!out.IsTruncated || (out.NextKeyMarker === undefined && out.NextUploadIdMarker === undefined)) break;
    markers = { ...(out.NextKeyMarker === undefined ? {} : { KeyMarker: out.NextKeyMarker }), ...(out.NextUploadIdMarker === undefined ? {} : { UploadIdMarker: out.NextUploadIdMarker }) };
  }
  const ours = uploads.find((u) => u.id === own);
  if (!ours) return [];
  const from = ours.at - elapsedMs - INITIATED_SLACK_MS;
  return uploads.filter((u) => u.id !== own && u.at >= from && u.at <= ours.at).map((u) => u.id);
}

/**
 * Aborts those of `ids` that still hold no part, when they are no more than `lost` (the tries that failed: each made one
 * upload at most). An upload of the same key another writer made in the same span (a client trying its own put again,
 * another Loam server) holds parts once its first part is in, and is left alone: this is called when our upload has
 * completed or failed, not as soon as the candidates are known. One whose first part is still on its way holds none
 * yet: more empty uploads than `lost` mean one at least is another writer's, and which is not known, so none is
 * aborted (aborting it failed that writer's put with NoSuchUpload; an orphan left is the lifecycle rule's). Best
 * effort: a failure leaves the orphan to the bucket's lifecycle rule, and does not fail the put.
 */
export async function abortEmptyUploads(sdk: S3Module, client: S3Client, ref: ObjectRef, ids: readonly string[], lost: number): Promise<void> {
  const empty: string[] = [];
  for (const UploadId of ids) {
    try {
      const parts = await client.send(new sdk.ListPartsCommand({ Bucket: ref.bucket, Key: ref.key, UploadId, MaxParts: 1 }));
      if ((parts.Parts ?? []).length === 0) empty.push(UploadId);
    } catch (e) {
      // Gone already (NoSuchUpload): nothing to do with it. The backend failed: whether it is empty is not known, so
      // the count of empty ones is not either.
      if (s3Error(e).status !== 404) return;
    }
  }
  if (empty.length > lost) return;
  for (const UploadId of empty) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId })).catch(() => {
      // Gone already, or the backend failed: the lifecycle rule's.
    });
  }
}

/** A user error in the job's inputs or outputs: it becomes the FailureReason (`ClientError: …`), and is never retried. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
}

/** Whether an artifact store error says the bucket itself does not exist (NotFoundError('Bucket', …)). */
export function isMissingBucket(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return err?.code === 'ResourceNotFound' && typeof err.message === 'string' && err.message.startsWith('Bucket ');
}

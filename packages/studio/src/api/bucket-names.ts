/**
 * Studio's default bucket, as the SageMaker Python SDK's `Session.default_bucket()` names it:
 * `sagemaker-<region>-<account id>`. Its forms propose output locations under it, and create it when a
 * form that uses it is submitted (HeadBucket, then CreateBucket), as the SDK does on first use. No other
 * bucket is ever created for the user: Loam, like SageMaker, fails a job whose output bucket is missing
 * when it uploads.
 */
export function defaultBucketName(p: { readonly region?: string | undefined; readonly accountId?: string | undefined; readonly arn?: string | undefined }): string {
  const account = p.accountId ?? /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(p.arn ?? '')?.[1] ?? '000000000000';
  return `sagemaker-${p.region ?? 'us-east-1'}-${account}`;
}

/** The bucket of an `s3://bucket/key` URI, or undefined for anything else. */
export function bucketOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  return /^s3:\/\/([^/]+)/.exec(uri.trim())?.[1];
}

/**
 * What an operation's input makes Loam read or write in the artifact store on the caller's behalf:
 * every `s3://` string in it (channels, outputs, ModelDataUrl, a dataset's SourceUri, a
 * `sagemaker_submit_directory`, …), found by walking the input rather than from a hand-kept list, so
 * an operation added later is covered the day it is. Loam stages and uploads with its own access to
 * the store, so without this a caller denied `s3:GetObject` on a bucket could still read it through a
 * job, a model or a dataset import (a confused deputy; reliability.md S2). SageMaker checks the same
 * thing through the execution role, which Loam does not model.
 */
export interface StorageAccess {
  readonly action: 's3:GetObject' | 's3:PutObject';
  /** `arn:loam:s3:::bucket/key` (the key may be a prefix), as the S3 transport names objects. */
  readonly resource: string;
  /** Where in the input, `A.B.0.C`. */
  readonly field: string;
}

// Destinations Loam writes to: S3OutputPath, Outputs[].S3Output.S3Uri, DestinationS3Uri, …
const WRITTEN = /output|destination/i;
// Checkpoints are restored from and synced back to; an experiment's ArtifactLocation is listed and written.
const READ_AND_WRITTEN = /checkpoint|location/i;
// Labels on a resource, not addresses Loam uses.
const NOT_ADDRESSES = new Set(['Tags']);

export function storageAccess(input: unknown): StorageAccess[] {
  const out: StorageAccess[] = [];
  const walk = (v: unknown, path: readonly string[]): void => {
    if (typeof v === 'string') {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(v);
      if (!m) return;
      const resource = `arn:loam:s3:::${m[1]}/${m[2]}`;
      const field = path.join('.');
      const keys = path.filter((p) => !/^\d+$/.test(p)).join('.');
      if (READ_AND_WRITTEN.test(keys)) out.push({ action: 's3:GetObject', resource, field }, { action: 's3:PutObject', resource, field });
      else out.push({ action: WRITTEN.test(keys) ? 's3:PutObject' : 's3:GetObject', resource, field });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (!NOT_ADDRESSES.has(k)) walk(x, [...path, k]);
    }
  };
  walk(input, []);
  return out;
}

import { hyperparameterText } from '@loam/contracts';
import { echo } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';
import { validateKeyPrefix } from '../ports/artifact-keys.js';

/** A 400 naming the field (`A.B.0.C`), the value received and what was expected, in SageMaker's words. */
export function invalid(field: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(`Value '${echo(value)}' at '${field}' failed to satisfy constraint: ${expected}.`, [
    { path: `/${field.replace(/\./g, '/')}`, message: expected },
  ]);
}

/** Loam's artifact store speaks `s3://bucket/key`; SageMaker's `https://` form has no meaning here. */
export function requireS3(field: string, uri: string): string {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(uri);
  if (!m) throw invalid(field, uri, 'Member must be an s3://bucket/key URI in the artifact store');
  if (/(^|\/)\.\.?(\/|$)/.test(m[2] ?? '')) throw invalid(field, uri, 'Member must not contain . or .. segments');
  // The artifact store's own key rules (percent-encoded or look-alike dots and slashes, controls), at
  // create time: the job would otherwise fail later, when it stages the key.
  try {
    validateKeyPrefix((m[2] ?? '').replace(/^\//, ''), `/${field.replace(/\./g, '/')}`);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw invalid(field, uri, `Member must be a valid object key: ${e.fields?.[0]?.message ?? e.message}`);
  }
  return uri;
}

/**
 * Container paths (`/opt/ml/processing/input`, `CheckpointConfig.LocalPath`) are re-rooted under the
 * job's private directory, so they must be absolute, normalised, and free of `..`.
 */
export function requireContainerPath(field: string, path: string, under?: string): string {
  if (!path.startsWith('/') || path.includes('\0') || /(^|\/)\.\.?(\/|$)/.test(path) || path.includes('//')) {
    throw invalid(field, path, 'Member must be an absolute path without . or .. segments');
  }
  if (under && !(path === under || path.startsWith(`${under}/`))) throw invalid(field, path, `Member must be under ${under}`);
  return path.replace(/\/+$/, '') || '/';
}

/** MetricDefinitions regexes must compile; at most 40 (SageMaker's limit), names unique. */
export function checkMetricDefinitions(field: string, defs: readonly { Name: string; Regex: string }[]): void {
  if (defs.length > 40) throw invalid(field, `${defs.length} definitions`, 'Member must have length less than or equal to 40');
  const names = new Set<string>();
  defs.forEach((d, i) => {
    if (names.has(d.Name)) throw invalid(`${field}.${i}.Name`, d.Name, 'Member must be unique among MetricDefinitions');
    names.add(d.Name);
    try {
      new RegExp(d.Regex);
    } catch (e) {
      throw invalid(`${field}.${i}.Regex`, d.Regex, `Member must be a valid regular expression (${(e as Error).message})`);
    }
  });
}

/**
 * The SageMaker Python SDK JSON-encodes every hyperparameter (`"\"train.py\""`); the training toolkit
 * decodes each value when it can. Returns the decoded string (or the value as is). The same function
 * decides which location the caller's S3 permissions are checked on (ADR 0019).
 */
export const decodeHyperparameter: (v: string | undefined) => string | undefined = hyperparameterText;

/** The prefix a ManifestFile channel named when its request was checked, for the runner to hold it to. */
export function manifestPrefix(ctx: { readonly checkedManifests?: ReadonlyMap<string, string> | undefined }, s3DataType: string, s3Uri: string): { manifestPrefix?: string } {
  const prefix = s3DataType === 'ManifestFile' ? ctx.checkedManifests?.get(s3Uri) : undefined;
  return prefix === undefined ? {} : { manifestPrefix: prefix };
}

/**
 * The S3 locations a request makes Loam read or write on the caller's behalf: a training job's
 * channels and output path, a model's artifact, an endpoint's capture destination … Loam's own
 * runners reach every bucket, so the caller's policies are checked for each location before the
 * request is taken (ADR 0019), as S3 itself checks them for the caller's own GetObject / PutObject.
 */
export interface DataAccess {
  /** The input path of the URI (`/InputDataConfig/0/DataSource/S3DataSource/S3Uri`), named when refused. */
  readonly field: string;
  /** An `s3://bucket/key` URI as given; anything else (an `https://` URL Loam refuses later) is skipped. */
  readonly uri: string;
  /** `prefix`: every object whose key starts with the URI's key (S3Prefix, output paths); `object`: that one key. */
  readonly scope: 'object' | 'prefix';
  readonly actions: readonly DataAction[];
  /** The object is a ManifestFile: the objects it lists must be readable too (read when the request is taken). */
  readonly manifest?: boolean;
  /**
   * An input that must hold at least one object when the request is taken (a `prefix`-scoped read):
   * SageMaker refuses CreateTrainingJob and CreateTransformJob with `ValidationException: No S3 objects
   * found under S3 URL …` rather than starting a job that cannot read its data.
   */
  readonly mustHoldObjects?: boolean;
}

export type DataAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

const READ = ['s3:GetObject'] as const;
const WRITE = ['s3:PutObject'] as const;

/**
 * An input read under a prefix (S3Prefix) or from a ManifestFile. Other types (AugmentedManifestFile,
 * Converse) Loam refuses when it builds the job; only the object itself is checked here.
 */
export function readData(field: string, uri: string, s3DataType?: string, opts: { readonly mustHoldObjects?: boolean } = {}): DataAccess {
  if (s3DataType === 'ManifestFile') return { field, uri, scope: 'object', actions: READ, manifest: true };
  if (s3DataType !== undefined && s3DataType !== 'S3Prefix') return readObject(field, uri);
  return { field, uri, scope: 'prefix', actions: READ, ...(opts.mustHoldObjects ? { mustHoldObjects: true } : {}) };
}

/** One object read whole (a model artifact, a metrics report). */
export function readObject(field: string, uri: string): DataAccess {
  return { field, uri, scope: 'object', actions: READ };
}

/**
 * Objects written under an output path: `<uri>/<under>…` (`under` is what Loam puts first, e.g.
 * `<job name>/`), one slash between. Some writers trim the key's slashes (data capture, MLflow), others
 * keep them (`requireS3` refuses `//` there): both forms are checked when they differ.
 */
export function writeData(field: string, uri: string, under = ''): DataAccess[] {
  return underBoth(uri, under).map((u) => ({ field, uri: u, scope: 'prefix' as const, actions: WRITE }));
}

/** A directory read, written and pruned (a checkpoint location, an MLflow artifact location). */
export function syncData(field: string, uri: string): DataAccess[] {
  return underBoth(uri, '').map((u) => ({ field, uri: u, scope: 'prefix' as const, actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] as const }));
}

/**
 * `<uri>/<under>` as given (one slash added) and with the key's leading and trailing slashes trimmed
 * (MLflow trims both; data capture and job outputs trim trailing ones and refuse keys with leading or
 * empty segments, so these two forms cover every key a writer makes).
 */
function underBoth(uri: string, under: string): string[] {
  const asGiven = `${uri.endsWith('/') ? uri : `${uri}/`}${under}`;
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) return [asGiven];
  const key = (m[2] as string).replace(/^\/+|\/+$/g, '');
  const trimmed = `s3://${m[1] as string}/${key === '' ? '' : `${key}/`}${under}`;
  return trimmed === asGiven ? [asGiven] : [asGiven, trimmed];
}

/**
 * A hyperparameter as the SageMaker SDK sends it: JSON-encoded strings (`"\"s3://…\""`) decoded, others
 * as they are (any JSON text that is a string, surrounding whitespace included). Core builds jobs with
 * this same function (`decodeHyperparameter`), so the location checked is the one later fetched.
 */
export function hyperparameterText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    const d: unknown = JSON.parse(v);
    return typeof d === 'string' ? d : v;
  } catch {
    return v;
  }
}

interface ChannelLike {
  readonly DataSource: { readonly S3DataSource?: { readonly S3DataType: string; readonly S3Uri: string } };
}

/**
 * What a training job (or each of a tuning job's) reads and writes: channels, source archive, checkpoints, TensorBoard and Debugger output, output.
 * `channelsMustHoldObjects`: each S3Prefix channel must hold an object when the request is taken (CreateTrainingJob).
 */
export function trainingDataAccess(
  at: string,
  def: {
    readonly InputDataConfig?: readonly ChannelLike[];
    readonly OutputDataConfig: { readonly S3OutputPath: string };
    readonly CheckpointConfig?: { readonly S3Uri: string };
    readonly TensorBoardOutputConfig?: { readonly S3OutputPath: string };
    readonly DebugHookConfig?: { readonly S3OutputPath: string };
  },
  hyperParameters: Readonly<Record<string, string>> | undefined,
  outputUnder: string,
  opts: { readonly channelsMustHoldObjects?: boolean } = {},
): DataAccess[] {
  const out: DataAccess[] = [];
  def.InputDataConfig?.forEach((c, i) => {
    const s3 = c.DataSource.S3DataSource;
    if (s3) out.push(readData(`${at}/InputDataConfig/${i}/DataSource/S3DataSource/S3Uri`, s3.S3Uri, s3.S3DataType, { mustHoldObjects: opts.channelsMustHoldObjects === true }));
  });
  const submit = hyperparameterText(hyperParameters?.['sagemaker_submit_directory']);
  if (submit) out.push(readObject(`${at}/HyperParameters/sagemaker_submit_directory`, submit));
  if (def.CheckpointConfig) out.push(...syncData(`${at}/CheckpointConfig/S3Uri`, def.CheckpointConfig.S3Uri));
  // Uploaded when the job ends, under the job's name as SageMaker lays them out.
  if (def.TensorBoardOutputConfig) out.push(...writeData(`${at}/TensorBoardOutputConfig/S3OutputPath`, def.TensorBoardOutputConfig.S3OutputPath, `${outputUnder}tensorboard-output/`));
  if (def.DebugHookConfig) out.push(...writeData(`${at}/DebugHookConfig/S3OutputPath`, def.DebugHookConfig.S3OutputPath, `${outputUnder}debug-output/`));
  out.push(...writeData(`${at}/OutputDataConfig/S3OutputPath`, def.OutputDataConfig.S3OutputPath, outputUnder));
  return out;
}

/**
 * A model container: its artifact and a script-mode source archive given by URI, each one object
 * (endpoints fetch that key; batch transform stages exactly that key too).
 */
export function containerDataAccess(at: string, c: { readonly ModelDataUrl?: string; readonly Environment?: Readonly<Record<string, string>> }): DataAccess[] {
  const out: DataAccess[] = [];
  if (c.ModelDataUrl !== undefined) out.push(readObject(`${at}/ModelDataUrl`, c.ModelDataUrl));
  const submit = c.Environment?.['SAGEMAKER_SUBMIT_DIRECTORY'];
  if (submit !== undefined && submit.trim() !== '') out.push(readObject(`${at}/Environment/SAGEMAKER_SUBMIT_DIRECTORY`, submit));
  return out;
}

/** A flow's destinations: each node's `output.s3Uri` (the object, or the part files written under it). */
export function flowDataAccess(def: { readonly nodes: readonly { readonly output?: { readonly s3Uri?: string } }[] }): DataAccess[] {
  return def.nodes.flatMap((n, k) => (n.output?.s3Uri ? [{ field: `/Definition/nodes/${k}/output/s3Uri`, uri: n.output.s3Uri, scope: 'prefix' as const, actions: WRITE }] : []));
}

/**
 * The `prefix` a ManifestFile names: SageMaker's `[{"prefix": "s3://b/p/"}, "rel1", "rel2", …]`, parsed
 * JSON; undefined when it is not such an array. The create-time check and the runner both read it here,
 * so they cannot disagree on which prefix a manifest names.
 */
export function manifestPrefixOf(manifest: unknown): string | undefined {
  if (!Array.isArray(manifest)) return undefined;
  const first: unknown = manifest[0];
  const prefix = first !== null && typeof first === 'object' ? (first as { prefix?: unknown }).prefix : undefined;
  return typeof prefix === 'string' ? prefix : undefined;
}

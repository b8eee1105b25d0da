import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

// Shapes shared by training and processing jobs (and, later, transform and tuning), with SageMaker's
// member names, enums and constraints from the botocore model; plus the runner contract (`JobSpec`,
// `RunnerEvent`) that core, the executors and the runtime all speak.

export const trainingInstanceTypes = [
  'ml.m4.xlarge', 'ml.m4.2xlarge', 'ml.m4.4xlarge', 'ml.m4.10xlarge', 'ml.m4.16xlarge', 'ml.g4dn.xlarge',
  'ml.g4dn.2xlarge', 'ml.g4dn.4xlarge', 'ml.g4dn.8xlarge', 'ml.g4dn.12xlarge', 'ml.g4dn.16xlarge', 'ml.m5.large',
  'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.m5.4xlarge', 'ml.m5.12xlarge', 'ml.m5.24xlarge', 'ml.c4.xlarge',
  'ml.c4.2xlarge', 'ml.c4.4xlarge', 'ml.c4.8xlarge', 'ml.p2.xlarge', 'ml.p2.8xlarge', 'ml.p2.16xlarge',
  'ml.p3.2xlarge', 'ml.p3.8xlarge', 'ml.p3.16xlarge', 'ml.p3dn.24xlarge', 'ml.p4d.24xlarge', 'ml.p4de.24xlarge',
  'ml.p5.48xlarge', 'ml.p5e.48xlarge', 'ml.p5en.48xlarge', 'ml.c5.xlarge', 'ml.c5.2xlarge', 'ml.c5.4xlarge',
  'ml.c5.9xlarge', 'ml.c5.18xlarge', 'ml.c5n.xlarge', 'ml.c5n.2xlarge', 'ml.c5n.4xlarge', 'ml.c5n.9xlarge',
  'ml.c5n.18xlarge', 'ml.g5.xlarge', 'ml.g5.2xlarge', 'ml.g5.4xlarge', 'ml.g5.8xlarge', 'ml.g5.16xlarge',
  'ml.g5.12xlarge', 'ml.g5.24xlarge', 'ml.g5.48xlarge', 'ml.g6.xlarge', 'ml.g6.2xlarge', 'ml.g6.4xlarge',
  'ml.g6.8xlarge', 'ml.g6.16xlarge', 'ml.g6.12xlarge', 'ml.g6.24xlarge', 'ml.g6.48xlarge', 'ml.g6e.xlarge',
  'ml.g6e.2xlarge', 'ml.g6e.4xlarge', 'ml.g6e.8xlarge', 'ml.g6e.16xlarge', 'ml.g6e.12xlarge', 'ml.g6e.24xlarge',
  'ml.g6e.48xlarge', 'ml.trn1.2xlarge', 'ml.trn1.32xlarge', 'ml.trn1n.32xlarge', 'ml.trn2.48xlarge', 'ml.m6i.large',
  'ml.m6i.xlarge', 'ml.m6i.2xlarge', 'ml.m6i.4xlarge', 'ml.m6i.8xlarge', 'ml.m6i.12xlarge', 'ml.m6i.16xlarge',
  'ml.m6i.24xlarge', 'ml.m6i.32xlarge', 'ml.c6i.xlarge', 'ml.c6i.2xlarge', 'ml.c6i.8xlarge', 'ml.c6i.4xlarge',
  'ml.c6i.12xlarge', 'ml.c6i.16xlarge', 'ml.c6i.24xlarge', 'ml.c6i.32xlarge', 'ml.r5d.large', 'ml.r5d.xlarge',
  'ml.r5d.2xlarge', 'ml.r5d.4xlarge', 'ml.r5d.8xlarge', 'ml.r5d.12xlarge', 'ml.r5d.16xlarge', 'ml.r5d.24xlarge',
  'ml.t3.medium', 'ml.t3.large', 'ml.t3.xlarge', 'ml.t3.2xlarge', 'ml.r5.large', 'ml.r5.xlarge', 'ml.r5.2xlarge',
  'ml.r5.4xlarge', 'ml.r5.8xlarge', 'ml.r5.12xlarge', 'ml.r5.16xlarge', 'ml.r5.24xlarge', 'ml.p6-b200.48xlarge',
  'ml.m7i.large', 'ml.m7i.xlarge', 'ml.m7i.2xlarge', 'ml.m7i.4xlarge', 'ml.m7i.8xlarge', 'ml.m7i.12xlarge',
  'ml.m7i.16xlarge', 'ml.m7i.24xlarge', 'ml.m7i.48xlarge', 'ml.c7i.large', 'ml.c7i.xlarge', 'ml.c7i.2xlarge',
  'ml.c7i.4xlarge', 'ml.c7i.8xlarge', 'ml.c7i.12xlarge', 'ml.c7i.16xlarge', 'ml.c7i.24xlarge', 'ml.c7i.48xlarge',
  'ml.r7i.large', 'ml.r7i.xlarge', 'ml.r7i.2xlarge', 'ml.r7i.4xlarge', 'ml.r7i.8xlarge', 'ml.r7i.12xlarge',
  'ml.r7i.16xlarge', 'ml.r7i.24xlarge', 'ml.r7i.48xlarge', 'ml.p6e-gb200.36xlarge', 'ml.p5.4xlarge',
  'ml.p6-b300.48xlarge', 'ml.g7e.2xlarge', 'ml.g7e.4xlarge', 'ml.g7e.8xlarge', 'ml.g7e.12xlarge', 'ml.g7e.24xlarge',
  'ml.g7e.48xlarge', 'ml.g7.2xlarge', 'ml.g7.4xlarge', 'ml.g7.8xlarge', 'ml.g7.12xlarge', 'ml.g7.24xlarge',
  'ml.g7.48xlarge',
] as const;

export const processingInstanceTypes = [
  'ml.t3.medium', 'ml.t3.large', 'ml.t3.xlarge', 'ml.t3.2xlarge', 'ml.m4.xlarge', 'ml.m4.2xlarge', 'ml.m4.4xlarge',
  'ml.m4.10xlarge', 'ml.m4.16xlarge', 'ml.c4.xlarge', 'ml.c4.2xlarge', 'ml.c4.4xlarge', 'ml.c4.8xlarge',
  'ml.p2.xlarge', 'ml.p2.8xlarge', 'ml.p2.16xlarge', 'ml.p3.2xlarge', 'ml.p3.8xlarge', 'ml.p3.16xlarge',
  'ml.c5.xlarge', 'ml.c5.2xlarge', 'ml.c5.4xlarge', 'ml.c5.9xlarge', 'ml.c5.18xlarge', 'ml.m5.large', 'ml.m5.xlarge',
  'ml.m5.2xlarge', 'ml.m5.4xlarge', 'ml.m5.12xlarge', 'ml.m5.24xlarge', 'ml.r5.large', 'ml.r5.xlarge',
  'ml.r5.2xlarge', 'ml.r5.4xlarge', 'ml.r5.8xlarge', 'ml.r5.12xlarge', 'ml.r5.16xlarge', 'ml.r5.24xlarge',
  'ml.g4dn.xlarge', 'ml.g4dn.2xlarge', 'ml.g4dn.4xlarge', 'ml.g4dn.8xlarge', 'ml.g4dn.12xlarge', 'ml.g4dn.16xlarge',
  'ml.g5.xlarge', 'ml.g5.2xlarge', 'ml.g5.4xlarge', 'ml.g5.8xlarge', 'ml.g5.16xlarge', 'ml.g5.12xlarge',
  'ml.g5.24xlarge', 'ml.g5.48xlarge', 'ml.r5d.large', 'ml.r5d.xlarge', 'ml.r5d.2xlarge', 'ml.r5d.4xlarge',
  'ml.r5d.8xlarge', 'ml.r5d.12xlarge', 'ml.r5d.16xlarge', 'ml.r5d.24xlarge', 'ml.g6.xlarge', 'ml.g6.2xlarge',
  'ml.g6.4xlarge', 'ml.g6.8xlarge', 'ml.g6.12xlarge', 'ml.g6.16xlarge', 'ml.g6.24xlarge', 'ml.g6.48xlarge',
  'ml.g6e.xlarge', 'ml.g6e.2xlarge', 'ml.g6e.4xlarge', 'ml.g6e.8xlarge', 'ml.g6e.12xlarge', 'ml.g6e.16xlarge',
  'ml.g6e.24xlarge', 'ml.g6e.48xlarge', 'ml.m6i.large', 'ml.m6i.xlarge', 'ml.m6i.2xlarge', 'ml.m6i.4xlarge',
  'ml.m6i.8xlarge', 'ml.m6i.12xlarge', 'ml.m6i.16xlarge', 'ml.m6i.24xlarge', 'ml.m6i.32xlarge', 'ml.c6i.xlarge',
  'ml.c6i.2xlarge', 'ml.c6i.4xlarge', 'ml.c6i.8xlarge', 'ml.c6i.12xlarge', 'ml.c6i.16xlarge', 'ml.c6i.24xlarge',
  'ml.c6i.32xlarge', 'ml.m7i.large', 'ml.m7i.xlarge', 'ml.m7i.2xlarge', 'ml.m7i.4xlarge', 'ml.m7i.8xlarge',
  'ml.m7i.12xlarge', 'ml.m7i.16xlarge', 'ml.m7i.24xlarge', 'ml.m7i.48xlarge', 'ml.c7i.large', 'ml.c7i.xlarge',
  'ml.c7i.2xlarge', 'ml.c7i.4xlarge', 'ml.c7i.8xlarge', 'ml.c7i.12xlarge', 'ml.c7i.16xlarge', 'ml.c7i.24xlarge',
  'ml.c7i.48xlarge', 'ml.r7i.large', 'ml.r7i.xlarge', 'ml.r7i.2xlarge', 'ml.r7i.4xlarge', 'ml.r7i.8xlarge',
  'ml.r7i.12xlarge', 'ml.r7i.16xlarge', 'ml.r7i.24xlarge', 'ml.r7i.48xlarge', 'ml.p5.4xlarge', 'ml.g7e.2xlarge',
  'ml.g7e.4xlarge', 'ml.g7e.8xlarge', 'ml.g7e.12xlarge', 'ml.g7e.24xlarge', 'ml.g7e.48xlarge', 'ml.g7.2xlarge',
  'ml.g7.4xlarge', 'ml.g7.8xlarge', 'ml.g7.12xlarge', 'ml.g7.24xlarge', 'ml.g7.48xlarge',
] as const;

/**
 * A HyperParameters or Environment value: text a job or model server receives in its environment (or
 * argv), where U+0000 cannot go (execve ends a string there). Refused at create (400 naming the map and
 * key) rather than failing the job when it starts. One shape for every such map.
 */
export function ProcessText(maxLength: number) {
  return Type.String({ maxLength, pattern: '^[^\\u0000]*$', 'x-loam-message': 'must not contain U+0000 (NUL): a process environment or argument cannot hold it' });
}

/** A union of string literals (an enum), typed as the union of its values. */
export function literals<const T extends readonly string[]>(values: T, description?: string): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}) as unknown as TUnion<TLiteral<T[number]>[]>;
}

export const TrainingInstanceType = literals(trainingInstanceTypes, 'An ml.* training instance type; Loam maps it to CPU and memory on this machine.');
export const ProcessingInstanceType = literals(processingInstanceTypes, 'An ml.* processing instance type.');

export const jobStatuses = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const TrainingJobStatus = literals([...jobStatuses, 'Deleting']);
export const ProcessingJobStatus = literals(jobStatuses);

export const secondaryStatuses = [
  'Starting', 'LaunchingMLInstances', 'PreparingTrainingStack', 'Downloading', 'DownloadingTrainingImage', 'Training', 'Uploading',
  'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'Completed', 'Failed', 'Interrupted', 'MaxWaitTimeExceeded', 'Updating', 'Restarting', 'Pending',
] as const;
export type SecondaryStatusName = (typeof secondaryStatuses)[number];
export const SecondaryStatus = literals(secondaryStatuses);

/** SageMaker's job-name rule (training, processing, transform jobs). */
export const JobName = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' });
/** `s3://bucket/key` (or SageMaker's `https://` form, which Loam refuses at create time: it has no HTTP data source). */
export const S3Uri = Type.String({ maxLength: 1024, pattern: '^(https|s3)://([^/]+)/?(.*)$' });
/** The execution role. Loam records it (and checks its form) but runs every job with its own identity. */
export const RoleArn = Type.String({ minLength: 20, maxLength: 2048, pattern: '^arn:(aws[a-z\\-]*|loam):iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$' });
/** SageMaker's KmsKeyId rule (key id, key ARN, alias name or alias ARN). Loam has no KMS: recorded and returned, never used. */
export const KmsKeyId = Type.String({
  maxLength: 2048, pattern: '^[a-zA-Z0-9:/_-]*$',
  description: 'A KMS key id, key ARN, alias name or alias ARN. Loam has no KMS: the value is checked against SageMaker\'s constraints, recorded and returned by Describe, and encrypts nothing.',
});
export const ImageUri = Type.String({ maxLength: 255 });
export const ContainerEntrypoint = Type.Array(ProcessText(256), { minItems: 1, maxItems: 100 });
export const ContainerArguments = Type.Array(ProcessText(256), { minItems: 1, maxItems: 100 });
export const MetricDefinition = Type.Object({
  Name: Type.String({ minLength: 1, maxLength: 255 }),
  Regex: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false });
export const MetricDefinitionList = Type.Array(MetricDefinition, { maxItems: 40 });
/** SageMaker's VpcConfig rules. Loam has no VPC: recorded and returned, not applied. */
export const VpcConfig = Type.Object({
  SecurityGroupIds: Type.Array(Type.String({ maxLength: 32, pattern: '^[-0-9a-zA-Z]+$' }), { minItems: 1, maxItems: 5 }),
  Subnets: Type.Array(Type.String({ maxLength: 32, pattern: '^[-0-9a-zA-Z]+$' }), { minItems: 1, maxItems: 16 }),
}, {
  additionalProperties: false,
  description: 'Loam has no VPC: the subnets and security groups are checked against SageMaker\'s constraints, recorded and returned by Describe, and not applied (the job or endpoint runs on the machine\'s own network).',
});
export const ExperimentEntityName = Type.String({ minLength: 1, maxLength: 120, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$' });
export const ExperimentConfig = Type.Object({
  ExperimentName: Type.Optional(ExperimentEntityName),
  TrialName: Type.Optional(ExperimentEntityName),
  TrialComponentDisplayName: Type.Optional(ExperimentEntityName),
  RunName: Type.Optional(ExperimentEntityName),
}, { additionalProperties: false });
export const FailureReason = Type.String({ maxLength: 1024 });
export const JobSortBy = literals(['Name', 'CreationTime', 'Status']);
export const S3DataDistribution = literals(['FullyReplicated', 'ShardedByS3Key']);
export const CompressionType = literals(['None', 'Gzip']);

/** One log line of a job, as Loam's log operations return it (there is no CloudWatch here). */
export const JobLogEvent = Type.Object({
  Timestamp: Type.Number({ description: 'Epoch seconds.' }),
  Message: Type.String(),
  Host: Type.String({ description: 'algo-1 … algo-N.' }),
  Stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('platform')]),
});
export type JobLogEventShape = Static<typeof JobLogEvent>;

// ---------------------------------------------------------------------------------------------------
// The runner contract. Core builds a JobSpec; an executor adds where to run it and starts the runner
// (`node packages/runtime/dist/runner/bin.js <job.json>`); the runner reports RunnerEvents.

/** What runs inside the job, resolved from `TrainingImage` / `ImageUri` by core's image resolver. */
export type ResolvedImage =
  /** A built-in image run by the runtime: the `@loam/ml` algorithms (`xgboost`, `linear-learner`, `kmeans`, `pca`, `deepar`, …) and the `data-wrangler` processing image. */
  | { readonly type: 'builtin'; readonly algorithm: string; readonly uri: string }
  /** SageMaker script mode: `sagemaker_program` from `sagemaker_submit_directory`, run with `python`. */
  | { readonly type: 'script'; readonly framework: string; readonly uri: string }
  /** A command declared in config (`images.process.<name>`), or a framework image run by its entrypoint. */
  | { readonly type: 'process'; readonly name: string; readonly uri: string; readonly command?: string; readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> };

export interface JobChannelSpec {
  readonly name: string;
  readonly s3Uri: string;
  readonly s3DataType: 'S3Prefix' | 'ManifestFile';
  readonly distribution: 'FullyReplicated' | 'ShardedByS3Key';
  readonly compression: 'None' | 'Gzip';
  readonly contentType?: string;
  readonly inputMode: 'File' | 'FastFile' | 'Pipe';
  readonly recordWrapper: 'None' | 'RecordIO';
  /** Processing inputs: the container path (`/opt/ml/processing/input/…`), re-rooted in the job directory. */
  readonly localPath?: string;
  /**
   * ManifestFile: the `prefix` the manifest named when the request was checked against its caller's
   * policies (ADR 0019); the runner refuses a manifest that names another one by the time it stages.
   */
  readonly manifestPrefix?: string;
  /** S3Prefix naming one object only (a model artifact, a source archive): that key, not every key starting with it. */
  readonly exactObject?: boolean;
  /** Gzip objects are staged decompressed under their own names, `.gz` kept (batch transform names each output `<object>.out`). */
  readonly keepCompressedNames?: boolean;
  /** How a FailureReason names this input (`TransformInput (s3://…)`); default `Channel '<name>'`. */
  readonly describedAs?: string;
  /**
   * Training: the channel's `ShuffleConfig.Seed`. The runner shuffles the channel's object list (S3Prefix
   * keys in key order, ManifestFile entries in manifest order) with this seed before ShardedByS3Key picks
   * each host's objects, so every host computes the same permutation.
   */
  readonly shuffleSeed?: number;
}

export interface JobOutputSpec {
  readonly name: string;
  readonly s3Uri: string;
  readonly localPath: string;
  readonly uploadMode: 'EndOfJob' | 'Continuous';
}

/** Everything the runner needs, independent of the executor. Stored with the job (no secrets in it). */
export interface JobSpec {
  readonly kind: 'training-job' | 'processing-job' | 'transform-job';
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly image: ResolvedImage;
  readonly entrypoint?: readonly string[];
  readonly arguments?: readonly string[];
  /** Every value a string, as SageMaker writes `hyperparameters.json`. */
  readonly hyperParameters: Readonly<Record<string, string>>;
  readonly environment: Readonly<Record<string, string>>;
  readonly channels: readonly JobChannelSpec[];
  readonly outputs: readonly JobOutputSpec[];
  /** Training: `<S3OutputPath>`; the model goes to `<outputPath>/<name>/output/model.tar.gz`. */
  readonly outputPath?: string;
  readonly checkpoint?: { readonly s3Uri: string; readonly localPath?: string };
  /**
   * Training: directories under /opt/ml whose files are uploaded to `s3Uri` when the job ends, whatever
   * its outcome (TensorBoardOutputConfig, DebugHookConfig); `field` names the request member in the log.
   */
  readonly endOfJobUploads?: readonly { readonly field: string; readonly localPath: string; readonly s3Uri: string }[];
  /** Training: config files SageMaker writes to `/opt/ml/input/config/` for the image (`debughookconfig.json` …), by file name. */
  readonly configFiles?: Readonly<Record<string, unknown>>;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeInGB: number;
  /** From the instance-type table, capped at this machine's. */
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly maxRuntimeSeconds: number;
  /**
   * Seconds of `maxRuntimeSeconds` earlier attempts (RetryStrategy) already ran: MaxRuntimeInSeconds is a total
   * over every attempt, as in SageMaker, so this attempt's runner stops the job at `maxRuntimeSeconds - runtimeSpentSeconds`.
   */
  readonly runtimeSpentSeconds?: number;
  /**
   * Managed spot training: epoch ms by which the job must have ended (creation + MaxWaitTimeInSeconds,
   * over every attempt: time queued counts, as waiting for spot capacity does). Past it the runner
   * stops the job (Stopped / MaxWaitTimeExceeded).
   */
  readonly maxWaitUntil?: number;
  readonly networkIsolation: boolean;
  readonly metricDefinitions: readonly { readonly Name: string; readonly Regex: string }[];
}

/** What an executor adds to a JobSpec for one host: the file the runner reads. */
export interface RunnerInput {
  readonly spec: JobSpec;
  /** `algo-1` … `algo-N`. */
  readonly currentHost: string;
  readonly hosts: readonly string[];
  /** This host's private directory; the container contract (`opt/ml/…`) is laid out under it. */
  readonly workDir: string;
  /** The job's log file, shared by its hosts (one JSON line per log line, appended whole). */
  readonly logFile: string;
  /**
   * A directory every host of this attempt shares (and no other attempt): the first host to list a
   * ShardedByS3Key channel writes the listing there and every host deals from it, so hosts agree on one
   * list. Absent: each host deals from its own listing.
   */
  readonly listingDir?: string;
  /** The artifact store's configuration (`config.artifacts`): the runner stages data with it. */
  readonly artifacts: Readonly<Record<string, unknown>>;
  /** The interpreter for script mode (`images.python`). */
  readonly python: string;
  /** SIGTERM → SIGKILL grace for the job's processes (SageMaker: 120 s). */
  readonly stopGraceSeconds: number;
  /** `unshare` binary used for network isolation; absent when the machine cannot isolate. */
  readonly unshare?: string;
  /** `off`: no sandbox (`executor.sandbox`); the image runs as Loam's own user. */
  readonly sandbox?: 'off';
}

/** One line of the runner's `events.jsonl`. `seq` starts at 1 and has no gaps. */
export type RunnerEvent =
  | { readonly seq: number; readonly time: number; readonly type: 'status'; readonly status: SecondaryStatusName; readonly message?: string }
  | { readonly seq: number; readonly time: number; readonly type: 'metric'; readonly name: string; readonly value: number }
  | { readonly seq: number; readonly time: number; readonly type: 'exit'; readonly outcome: 'Completed' | 'Failed' | 'Stopped'; readonly secondaryStatus: SecondaryStatusName; readonly failureReason?: string; readonly exitMessage?: string; readonly modelArtifacts?: string; readonly exitCode?: number | null; readonly platformFault?: boolean };

/** A log line in the runner's `logs.jsonl`. */
export interface RunnerLogLine {
  readonly time: number;
  readonly host: string;
  readonly stream: 'stdout' | 'stderr' | 'platform';
  readonly line: string;
}

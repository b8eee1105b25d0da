import type { InputOf, JobChannelSpec, JobSpec, operations } from '@loam/contracts';
import { LimitExceededError, ValidationError } from '../kernel/errors.js';
import type { ExecutorCapacity } from '../ports/job-executor.js';
import { resolveImage, type ProcessImageConfig } from './image-resolver.js';
import { effectiveShape } from './instance-types.js';
import { checkMetricDefinitions, decodeHyperparameter, invalid, manifestPrefix, requireContainerPath, requireS3 } from './job-validation.js';

export type CreateTrainingJobInput = InputOf<typeof operations.CreateTrainingJob>;

/** Channels each built-in algorithm needs, and the ones it reads. */
const builtinChannels: Readonly<Record<string, { required: readonly string[]; allowed: readonly string[] }>> = {
  xgboost: { required: ['train'], allowed: ['train', 'validation'] },
  'linear-learner': { required: ['train'], allowed: ['train', 'validation', 'test'] },
  kmeans: { required: ['train'], allowed: ['train', 'test'] },
  pca: { required: ['train'], allowed: ['train'] },
};

export interface JobSpecContext {
  readonly region: string;
  readonly arn: string;
  readonly capacity: ExecutorCapacity;
  readonly processImages: Readonly<Record<string, ProcessImageConfig>>;
  /** ManifestFile URI → the prefix it named when checked (RequestContext.checkedManifests). */
  readonly checkedManifests?: ReadonlyMap<string, string> | undefined;
}

/** SageMaker's default MaxRuntimeInSeconds (one day) and its ceiling for training (28 days). */
export const defaultMaxRuntimeSeconds = 86_400;
const maxTrainingRuntimeSeconds = 2_419_200;

/** Instance count and capacity, shared by training and processing. */
export function checkCapacity(field: string, count: number, capacity: ExecutorCapacity): void {
  if (count > capacity.slots) {
    throw new LimitExceededError(`'${field}' is ${count}, but this Loam can run at most ${capacity.slots} instances at once (executor.maxConcurrentJobs).`);
  }
}

/**
 * Checks a CreateTrainingJob request beyond its schema (the rules SageMaker enforces in the service:
 * S3 URIs, channel names, an image Loam can run, the channels a built-in needs, metric regexes,
 * capacity) and builds the JobSpec the runner gets. Nothing is stored or started when this throws.
 * @throws ValidationException naming the field; ResourceLimitExceeded when the instances can never fit.
 */
export function buildTrainingJobSpec(input: CreateTrainingJobInput, ctx: JobSpecContext): JobSpec {
  const algo = input.AlgorithmSpecification;
  if (algo.AlgorithmName !== undefined) {
    throw invalid('AlgorithmSpecification.AlgorithmName', algo.AlgorithmName, 'Algorithm resources are not supported by Loam; give a TrainingImage');
  }
  if (algo.TrainingImage === undefined || algo.TrainingImage === '') throw invalid('AlgorithmSpecification.TrainingImage', algo.TrainingImage ?? null, 'Member is required');
  const hp = { ...(input.HyperParameters ?? {}) };
  const image = resolveImage({
    uri: algo.TrainingImage, field: 'AlgorithmSpecification.TrainingImage', kind: 'training-job', hyperParameters: hp,
    hasEntrypoint: algo.ContainerEntrypoint !== undefined, processImages: ctx.processImages,
  });
  const rc = input.ResourceConfig;
  if (rc.InstanceType === undefined) throw invalid('ResourceConfig.InstanceType', null, 'Member is required');
  const count = rc.InstanceCount ?? 0;
  if (count < 1) throw invalid('ResourceConfig.InstanceCount', rc.InstanceCount ?? null, 'Member must have value greater than or equal to 1');
  if (rc.VolumeSizeInGB !== undefined && rc.VolumeSizeInGB < 1) throw invalid('ResourceConfig.VolumeSizeInGB', rc.VolumeSizeInGB, 'Member must have value greater than or equal to 1');
  checkCapacity('ResourceConfig.InstanceCount', count, ctx.capacity);
  if (input.EnableNetworkIsolation && !ctx.capacity.networkIsolation.supported) {
    throw invalid('EnableNetworkIsolation', true, `Network isolation is not available on this machine: ${ctx.capacity.networkIsolation.reason ?? 'unknown reason'}`);
  }
  const maxRuntime = input.StoppingCondition?.MaxRuntimeInSeconds ?? defaultMaxRuntimeSeconds;
  if (maxRuntime > maxTrainingRuntimeSeconds) throw invalid('StoppingCondition.MaxRuntimeInSeconds', maxRuntime, `Member must have value less than or equal to ${maxTrainingRuntimeSeconds}`);
  // SageMaker's rules for the spot-only wait limit (Loam runs every job on demand, so it never waits for capacity).
  const maxWait = input.StoppingCondition?.MaxWaitTimeInSeconds;
  if (maxWait !== undefined && input.EnableManagedSpotTraining !== true) {
    throw invalid('StoppingCondition.MaxWaitTimeInSeconds', maxWait, 'Member is only valid with EnableManagedSpotTraining set to true');
  }
  if (maxWait !== undefined && maxWait < maxRuntime) {
    throw invalid('StoppingCondition.MaxWaitTimeInSeconds', maxWait, `Member must be greater than or equal to MaxRuntimeInSeconds (${maxRuntime})`);
  }
  requireS3('OutputDataConfig.S3OutputPath', input.OutputDataConfig.S3OutputPath);
  if (input.OutputDataConfig.CompressionType === 'NONE') {
    throw invalid('OutputDataConfig.CompressionType', 'NONE', 'Member must be GZIP on Loam: the model is always uploaded as model.tar.gz');
  }
  checkMetricDefinitions('AlgorithmSpecification.MetricDefinitions', algo.MetricDefinitions ?? []);

  const channels: JobChannelSpec[] = [];
  const names = new Set<string>();
  (input.InputDataConfig ?? []).forEach((c, i) => {
    const f = `InputDataConfig.${i}`;
    if (names.has(c.ChannelName)) throw invalid(`${f}.ChannelName`, c.ChannelName, 'Member must be unique among channels');
    if (c.ChannelName === '.' || c.ChannelName === '..') {
      throw invalid(`${f}.ChannelName`, c.ChannelName, "Member must not be '.' or '..' on Loam: a channel is staged as the folder /opt/ml/input/data/<ChannelName>");
    }
    names.add(c.ChannelName);
    const s3 = c.DataSource.S3DataSource;
    if (!s3) throw invalid(`${f}.DataSource.S3DataSource`, null, 'Member is required: Loam channels read from the artifact store');
    if (s3.S3DataType !== 'S3Prefix' && s3.S3DataType !== 'ManifestFile') {
      throw invalid(`${f}.DataSource.S3DataSource.S3DataType`, s3.S3DataType, 'Member must be one of S3Prefix, ManifestFile on Loam');
    }
    requireS3(`${f}.DataSource.S3DataSource.S3Uri`, s3.S3Uri);
    const mode = c.InputMode ?? algo.TrainingInputMode;
    if (s3.S3DataDistributionType === 'ShardedByS3Key' && image.type === 'builtin' && count > 1) {
      throw invalid(`${f}.DataSource.S3DataSource.S3DataDistributionType`, 'ShardedByS3Key', "Member must be FullyReplicated for the built-in algorithms when InstanceCount > 1: their hosts do not train together and the first host's model is kept, so it would have seen one shard only");
    }
    if (c.RecordWrapperType === 'RecordIO' && image.type === 'builtin') {
      throw invalid(`${f}.RecordWrapperType`, 'RecordIO', 'Member must be None: the built-in algorithms read CSV and libsvm');
    }
    channels.push({
      name: c.ChannelName, s3Uri: s3.S3Uri, s3DataType: s3.S3DataType, distribution: s3.S3DataDistributionType ?? 'FullyReplicated',
      compression: c.CompressionType ?? 'None', ...(c.ContentType ? { contentType: c.ContentType } : {}), inputMode: mode,
      recordWrapper: c.RecordWrapperType ?? 'None', ...manifestPrefix(ctx, s3.S3DataType, s3.S3Uri),
      ...(c.ShuffleConfig ? { shuffleSeed: c.ShuffleConfig.Seed } : {}),
    });
  });
  if (image.type !== 'builtin') {
    // Pipe mode's FIFOs are /opt/ml/input/data/<channel>_<epoch>, beside the channels' folders: no channel may be named like one.
    channels.forEach((c, i) => {
      const fifo = c.inputMode === 'Pipe' ? channels.find((o) => o.name.startsWith(`${c.name}_`) && /^[0-9]+$/.test(o.name.slice(c.name.length + 1))) : undefined;
      if (fifo) {
        const at = channels.indexOf(fifo);
        throw invalid(`InputDataConfig.${at}.ChannelName`, fifo.name, `Member must not be named like the Pipe mode FIFOs of channel '${c.name}' (InputDataConfig.${i}), /opt/ml/input/data/${c.name}_<epoch>`);
      }
    });
  }
  if (image.type === 'builtin') {
    const need = builtinChannels[image.algorithm];
    for (const r of need?.required ?? []) {
      if (!names.has(r)) throw invalid('InputDataConfig', [...names], `Member must include a '${r}' channel for the ${image.algorithm} algorithm`);
    }
    for (const n of names) {
      if (need && !need.allowed.includes(n)) throw invalid('InputDataConfig', n, `Member must only name channels ${need.allowed.join(', ')} for the ${image.algorithm} algorithm`);
    }
  }
  if (image.type === 'script') {
    const dir = decodeHyperparameter(hp['sagemaker_submit_directory']);
    if (dir !== undefined && dir !== '') requireS3('HyperParameters.sagemaker_submit_directory', dir);
    const program = decodeHyperparameter(hp['sagemaker_program']) ?? '';
    if (program === '' || program.startsWith('/') || /(^|\/)\.\.(\/|$)/.test(program) || program.includes('\0')) {
      throw invalid('HyperParameters.sagemaker_program', program, 'Member must be a relative path inside the submitted source directory');
    }
  }
  let checkpoint: JobSpec['checkpoint'];
  if (input.CheckpointConfig) {
    requireS3('CheckpointConfig.S3Uri', input.CheckpointConfig.S3Uri);
    const lp = input.CheckpointConfig.LocalPath;
    // Only /opt/ml is the job's own: a LocalPath elsewhere would be a path on the machine.
    checkpoint = { s3Uri: input.CheckpointConfig.S3Uri, ...(lp ? { localPath: requireContainerPath('CheckpointConfig.LocalPath', lp, '/opt/ml') } : {}) };
  }
  const { endOfJobUploads, configFiles } = debuggerOutputs(input);
  const shape = effectiveShape(rc.InstanceType, ctx.capacity);
  if (Object.keys(hp).some((k) => k.length === 0)) throw new ValidationError(`HyperParameters may not have an empty key.`, [{ path: '/HyperParameters', message: 'empty key' }]);
  return {
    kind: 'training-job', name: input.TrainingJobName, arn: ctx.arn, region: ctx.region, image,
    ...(algo.ContainerEntrypoint ? { entrypoint: [...algo.ContainerEntrypoint] } : {}),
    ...(algo.ContainerArguments ? { arguments: [...algo.ContainerArguments] } : {}),
    hyperParameters: hp, environment: { ...(input.Environment ?? {}) }, channels, outputs: [],
    outputPath: input.OutputDataConfig.S3OutputPath, ...(checkpoint ? { checkpoint } : {}),
    ...(endOfJobUploads.length > 0 ? { endOfJobUploads, configFiles } : {}),
    instanceType: rc.InstanceType, instanceCount: count, volumeSizeInGB: rc.VolumeSizeInGB ?? 30,
    vcpus: shape.vcpus, memoryMiB: shape.memoryMiB, maxRuntimeSeconds: maxRuntime,
    networkIsolation: input.EnableNetworkIsolation ?? false, metricDefinitions: (algo.MetricDefinitions ?? []).map((d) => ({ Name: d.Name, Regex: d.Regex })),
  };
}

/**
 * TensorBoardOutputConfig and DebugHookConfig as SageMaker runs them: the config written where the image
 * reads it (`/opt/ml/input/config/tensorboardoutputconfig.json`, `debughookconfig.json`, read by smdebug),
 * and the files left under LocalPath uploaded when the job ends to `<S3OutputPath>/<job name>/tensorboard-output/`
 * and `<S3OutputPath>/<job name>/debug-output/` (SageMaker's layout; the data-access declaration checks the same keys).
 */
function debuggerOutputs(input: CreateTrainingJobInput): { endOfJobUploads: NonNullable<JobSpec['endOfJobUploads']>; configFiles: Record<string, unknown> } {
  const endOfJobUploads: { field: string; localPath: string; s3Uri: string }[] = [];
  const configFiles: Record<string, unknown> = {};
  const under = (uri: string, leaf: string) => `${uri.replace(/\/+$/, '')}/${input.TrainingJobName}/${leaf}`;
  const tb = input.TensorBoardOutputConfig;
  if (tb) {
    requireS3('TensorBoardOutputConfig.S3OutputPath', tb.S3OutputPath);
    const localPath = requireContainerPath('TensorBoardOutputConfig.LocalPath', tb.LocalPath || '/opt/ml/output/tensorboard', '/opt/ml');
    endOfJobUploads.push({ field: 'TensorBoardOutputConfig', localPath, s3Uri: under(tb.S3OutputPath, 'tensorboard-output') });
    configFiles['tensorboardoutputconfig.json'] = { LocalPath: localPath, S3OutputPath: tb.S3OutputPath };
  }
  const dh = input.DebugHookConfig;
  if (dh) {
    requireS3('DebugHookConfig.S3OutputPath', dh.S3OutputPath);
    const localPath = requireContainerPath('DebugHookConfig.LocalPath', dh.LocalPath || '/opt/ml/output/tensors', '/opt/ml');
    endOfJobUploads.push({ field: 'DebugHookConfig', localPath, s3Uri: under(dh.S3OutputPath, 'debug-output') });
    configFiles['debughookconfig.json'] = { ...dh, LocalPath: localPath };
  }
  return { endOfJobUploads, configFiles };
}

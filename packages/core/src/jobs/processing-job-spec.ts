import type { InputOf, JobChannelSpec, JobOutputSpec, JobSpec, operations } from '@loam/contracts';
import { resolveImage } from './image-resolver.js';
import { effectiveShape } from './instance-types.js';
import { invalid, manifestPrefix, requireContainerPath, requireS3 } from './job-validation.js';
import { checkCapacity, type JobSpecContext } from './training-job-spec.js';

export type CreateProcessingJobInput = InputOf<typeof operations.CreateProcessingJob>;

const processingRoot = '/opt/ml/processing';

/**
 * Why a Pipe-mode processing input is refused (ADR 0007, "Pipe mode for processing inputs"): SageMaker documents
 * only that Pipe mode streams the data "into named pipes", not where they appear relative to LocalPath (a FIFO
 * at LocalPath, `LocalPath_0`, …) nor how many epochs there are; Loam would have to invent a layout that a
 * container written for SageMaker might not find.
 */
const pipeRefusal = 'Member must be File on Loam: SageMaker does not document where a processing input\'s named pipe appears '
  + 'relative to LocalPath, so Loam stages processing inputs as files under LocalPath. Pipe mode is available for the '
  + 'InputDataConfig channels of training jobs (script and process images: FIFOs /opt/ml/input/data/<channel>_<epoch>)';

/** SageMaker: a LocalPath "must begin with /opt/ml/processing/" — a directory under it, never the root every input and output shares. */
function processingPath(field: string, path: string): string {
  const p = requireContainerPath(field, path, processingRoot);
  if (p === processingRoot) throw invalid(field, path, `Member must begin with ${processingRoot}/ (a directory of its own under it, not ${processingRoot} itself)`);
  return p;
}

/**
 * Checks a CreateProcessingJob request beyond its schema and builds its JobSpec. Inputs and outputs
 * must live under `/opt/ml/processing/` (SageMaker's rule), with unique names and paths; the runner
 * re-roots those paths in the job's private directory.
 * @throws ValidationException naming the field; ResourceLimitExceeded when the instances can never fit.
 */
export function buildProcessingJobSpec(input: CreateProcessingJobInput, ctx: JobSpecContext): JobSpec {
  const app = input.AppSpecification;
  const image = resolveImage({
    uri: app.ImageUri, field: 'AppSpecification.ImageUri', kind: 'processing-job', hyperParameters: {},
    hasEntrypoint: app.ContainerEntrypoint !== undefined, processImages: ctx.processImages,
  });
  const cluster = input.ProcessingResources.ClusterConfig;
  checkCapacity('ProcessingResources.ClusterConfig.InstanceCount', cluster.InstanceCount, ctx.capacity);
  const isolated = input.NetworkConfig?.EnableNetworkIsolation ?? false;
  if (isolated && !ctx.capacity.networkIsolation.supported) {
    throw invalid('NetworkConfig.EnableNetworkIsolation', true, `Network isolation is not available on this machine: ${ctx.capacity.networkIsolation.reason ?? 'unknown reason'}`);
  }
  const names = new Set<string>();
  const paths = new Set<string>();
  const channels: JobChannelSpec[] = (input.ProcessingInputs ?? []).map((p, i) => {
    const f = `ProcessingInputs.${i}`;
    if (names.has(p.InputName)) throw invalid(`${f}.InputName`, p.InputName, 'Member must be unique among ProcessingInputs');
    names.add(p.InputName);
    if (!p.S3Input) throw invalid(`${f}.S3Input`, null, 'Member is required: Loam processing inputs read from the artifact store');
    const s3 = p.S3Input;
    requireS3(`${f}.S3Input.S3Uri`, s3.S3Uri);
    if (s3.LocalPath === undefined) throw invalid(`${f}.S3Input.LocalPath`, null, 'Member is required');
    const localPath = processingPath(`${f}.S3Input.LocalPath`, s3.LocalPath);
    if (paths.has(localPath)) throw invalid(`${f}.S3Input.LocalPath`, localPath, 'Member must be unique among inputs and outputs');
    paths.add(localPath);
    if (s3.S3InputMode === 'Pipe') throw invalid(`${f}.S3Input.S3InputMode`, 'Pipe', pipeRefusal);
    return {
      name: p.InputName, s3Uri: s3.S3Uri, s3DataType: s3.S3DataType, distribution: s3.S3DataDistributionType ?? 'FullyReplicated',
      compression: s3.S3CompressionType ?? 'None', inputMode: 'File', recordWrapper: 'None', localPath, ...manifestPrefix(ctx, s3.S3DataType, s3.S3Uri),
    } satisfies JobChannelSpec;
  });
  const outNames = new Set<string>();
  const outputs: JobOutputSpec[] = (input.ProcessingOutputConfig?.Outputs ?? []).map((o, i) => {
    const f = `ProcessingOutputConfig.Outputs.${i}`;
    if (outNames.has(o.OutputName)) throw invalid(`${f}.OutputName`, o.OutputName, 'Member must be unique among outputs');
    outNames.add(o.OutputName);
    if (!o.S3Output) throw invalid(`${f}.S3Output`, null, 'Member is required: Loam processing outputs go to the artifact store');
    requireS3(`${f}.S3Output.S3Uri`, o.S3Output.S3Uri);
    if (o.S3Output.LocalPath === undefined) throw invalid(`${f}.S3Output.LocalPath`, null, 'Member is required');
    const localPath = processingPath(`${f}.S3Output.LocalPath`, o.S3Output.LocalPath);
    if (paths.has(localPath)) throw invalid(`${f}.S3Output.LocalPath`, localPath, 'Member must be unique among inputs and outputs');
    paths.add(localPath);
    return { name: o.OutputName, s3Uri: o.S3Output.S3Uri, localPath, uploadMode: o.S3Output.S3UploadMode };
  });
  const shape = effectiveShape(cluster.InstanceType, ctx.capacity);
  return {
    kind: 'processing-job', name: input.ProcessingJobName, arn: ctx.arn, region: ctx.region, image,
    ...(app.ContainerEntrypoint ? { entrypoint: [...app.ContainerEntrypoint] } : {}),
    ...(app.ContainerArguments ? { arguments: [...app.ContainerArguments] } : {}),
    hyperParameters: {}, environment: { ...(input.Environment ?? {}) }, channels, outputs,
    instanceType: cluster.InstanceType, instanceCount: cluster.InstanceCount, volumeSizeInGB: cluster.VolumeSizeInGB,
    vcpus: shape.vcpus, memoryMiB: shape.memoryMiB, maxRuntimeSeconds: input.StoppingCondition?.MaxRuntimeInSeconds ?? 86_400,
    networkIsolation: isolated, metricDefinitions: [],
  };
}

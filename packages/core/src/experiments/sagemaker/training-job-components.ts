import { createHash } from 'node:crypto';
import { jobsCollection, type JobKind, type JobRecord } from '../../jobs/job.collections.js';
import { asciiLower, type ExperimentStore, type RunInfoRecord, type TrialRecord } from '../../ports/experiment-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';

/** The jobs SageMaker makes trial components of: each kind's component name suffix and Source.SourceType. */
export const JOB_COMPONENTS = {
  'training-job': { suffix: '-aws-training-job', sourceType: 'SageMakerTrainingJob' },
  'processing-job': { suffix: '-aws-processing-job', sourceType: 'SageMakerProcessingJob' },
  'transform-job': { suffix: '-aws-transform-job', sourceType: 'SageMakerTransformJob' },
} as const satisfies Record<JobKind, { suffix: string; sourceType: string }>;

/** The job kind a component's Source.SourceType names, if it is a job's. */
export const jobKindOfSourceType = (sourceType: string | undefined): JobKind | undefined =>
  (Object.keys(JOB_COMPONENTS) as JobKind[]).find((k) => JOB_COMPONENTS[k].sourceType === sourceType);

/** SageMaker's name for a job's trial component: `<job>-aws-training-job`, `-aws-processing-job`, `-aws-transform-job`. */
export const jobComponentName = (jobName: string, kind: JobKind = 'training-job'): string => `${jobName}${JOB_COMPONENTS[kind].suffix}`;

/** SageMaker's name for a training job's trial component. */
export const trainingJobComponentName = (jobName: string): string => jobComponentName(jobName, 'training-job');

const DEFAULT_TRIAL_PREFIX = 'Default-Run-Group-';
/** SageMaker's longest trial name (ExperimentEntityName). */
const MAX_TRIAL_NAME = 120;
/**
 * The most of an experiment's name the SageMaker Python SDK puts in its run group's name: `Run._generate_trial_name`
 * keeps `MAX_NAME_LEN_IN_BACKEND - len("Default-Run-Group-{}")` = 120 − 20 = 100 characters (its template's `{}`
 * counted), so its trial names hold at most 118.
 */
const SDK_EXPERIMENT_CHARS = MAX_TRIAL_NAME - `${DEFAULT_TRIAL_PREFIX}{}`.length;
const HASH_LENGTH = 12;

/**
 * The trial a job joins when its ExperimentConfig names an experiment but no trial (SageMaker creates one):
 * `Default-Run-Group-<experiment>`, as the SageMaker Python SDK names a run's group, for an experiment name of
 * up to 100 characters (the most the SDK keeps). A longer name is cut and ends with `-` and 12 hex digits of its
 * SHA-256 (of the name in ASCII lower case, as names are matched), 120 characters in all, so that two
 * experiments sharing their first 100 characters do not share one trial as they do in the SDK's cut.
 */
export function defaultTrialName(experimentName: string): string {
  const full = `${DEFAULT_TRIAL_PREFIX}${experimentName}`;
  if (experimentName.length <= SDK_EXPERIMENT_CHARS) return full;
  const hash = createHash('sha256').update(asciiLower(experimentName)).digest('hex').slice(0, HASH_LENGTH);
  return `${full.slice(0, MAX_TRIAL_NAME - HASH_LENGTH - 1)}-${hash}`;
}

/**
 * Other names the Default-Run-Group trial of an experiment of a long name (over 100 characters) may have, in the
 * order they are looked for: what an earlier Loam made (the whole name while it fit in 120 characters, names of
 * 101 and 102, else the name cut at 120), then the SageMaker Python SDK's (the name cut at 100: its `Run` makes
 * that trial and names it in ExperimentConfig.TrialName). The earlier Loam's comes first: the experiment's jobs
 * with ExperimentName alone joined it before an upgrade and keep joining it, not the SDK's group beside it.
 * None for a name of up to 100.
 */
export function otherDefaultTrialNames(experimentName: string): string[] {
  if (experimentName.length <= SDK_EXPERIMENT_CHARS) return [];
  const full = `${DEFAULT_TRIAL_PREFIX}${experimentName}`;
  return [full.slice(0, MAX_TRIAL_NAME), `${DEFAULT_TRIAL_PREFIX}${experimentName.slice(0, SDK_EXPERIMENT_CHARS)}`];
}

/**
 * The experiment's Default-Run-Group trial as stored, if any: the first of `defaultTrialName`'s and
 * `otherDefaultTrialNames` that is a trial of this experiment (the others' namesakes in another experiment are
 * not this one's: an SDK-cut name two experiments share, or a trial made by hand), so the experiment's later
 * jobs join the trial its earlier ones, or the SDK's runs, did. When none is, the trial holding
 * `defaultTrialName` (another experiment's, which the job does not join), or undefined. Without an
 * experiment (the job creates it), `defaultTrialName`'s alone.
 */
export async function findDefaultTrial(store: Pick<ExperimentStore, 'getTrial'>, experimentName: string, experimentId: string | undefined): Promise<TrialRecord | undefined> {
  const trial = await store.getTrial(defaultTrialName(experimentName));
  if (experimentId === undefined || trial?.experimentId === experimentId) return trial;
  const seen = new Set([asciiLower(defaultTrialName(experimentName))]);
  for (const name of otherDefaultTrialNames(experimentName)) {
    if (seen.has(asciiLower(name))) continue;
    seen.add(asciiLower(name));
    const other = await store.getTrial(name);
    if (other?.experimentId === experimentId) return other;
  }
  return trial;
}

export interface TrainingJobComponentInput {
  /** Training (the default), processing or transform job. */
  readonly kind?: JobKind;
  readonly jobName: string;
  readonly jobArn: string;
  readonly experimentName?: string;
  readonly trialName?: string;
  readonly trialComponentDisplayName?: string;
}

/**
 * Exposes a job's run as SageMaker's trial component `<job>-aws-training-job` (`-aws-processing-job`,
 * `-aws-transform-job`; its source the job)
 * and, when the job's ExperimentConfig names an experiment, puts it in the trial ExperimentConfig names —
 * created in the run's experiment when missing, left out when it is another experiment's — or, TrialName
 * alone, in that existing trial; once, when the component is made. The run is the
 * component: nothing is copied. A run that already is a component (a name given before) keeps it and its
 * trials as they are; a deleted run gets none.
 */
export async function exposeTrainingJobComponent(store: ExperimentStore, job: TrainingJobComponentInput, run: RunInfoRecord, now: number): Promise<void> {
  // A deleted run (through MLflow, or DeleteTrialComponent) is no component: nothing is made again for it.
  if (run.lifecycleStage !== 'active') return;
  const kind = job.kind ?? 'training-job';
  const name = jobComponentName(job.jobName, kind);
  // Exposed before (by an earlier server: every start reads every job again), or the name is another run's
  // (a component made by hand): left alone, so the trials it was taken out of, or deleted, stay so.
  if ((await store.trialComponentOfRun(run.runId)) ?? (await store.getTrialComponent(name))) return;
  try {
    await store.createTrialComponent({
      name, runId: run.runId, sourceArn: job.jobArn, sourceType: JOB_COMPONENTS[kind].sourceType, ...(job.trialComponentDisplayName ? { displayName: job.trialComponentDisplayName } : {}),
      numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: now, lastModifiedTime: now,
    });
  } catch (err) {
    // Another server recorded it meanwhile, and puts it in its trial.
    if ((err as { code?: string }).code === 'ResourceInUse') return;
    throw err;
  }
  // TrialName alone names an existing trial, whatever its experiment (SageMaker's ExperimentConfig.TrialName).
  if (!job.experimentName && !job.trialName) return;
  const component = name;
  const trialName = job.trialName ?? defaultTrialName(job.experimentName as string);
  let trial = job.trialName ? await store.getTrial(trialName) : await findDefaultTrial(store, job.experimentName as string, run.experimentId);
  if (!trial) {
    // None to join: without an experiment there is none to create it in (the Create*Job request refused that).
    if (!job.experimentName) return;
    await store.createTrial({ name: trialName, experimentId: run.experimentId, creationTime: now, lastModifiedTime: now }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
    });
    trial = await store.getTrial(trialName);
  }
  // A trial of another experiment than the one named is not joined (the Create*Job request refuses it; this one may
  // have been made since): the job would put its component in a trial its creator was not checked on.
  if (!trial || (job.experimentName && trial.experimentId !== run.experimentId)) return;
  // The trial's name as stored: ExperimentConfig may spell it in another case (names are case-insensitive).
  await store.associateTrialComponent(trial.name, component, now);
}

/** Finds the job an ARN names (for its component's artifacts); undefined when there is none. */
export type TrainingJobLookup = (arn: string) => Promise<JobRecord | undefined>;

/** The jobs (training, processing, transform) of a metadata store, by ARN. */
export const trainingJobLookup = (store: MetadataStore): TrainingJobLookup => async (arn) => (await store.collection(jobsCollection).findOne('arn', arn))?.value;

/** What SageMaker shows of a job on its component, by the job's kind (trainingJobComponentDetails and its kin). */
export function jobComponentDetails(job: JobRecord): ComponentDetails {
  if (job.kind === 'processing-job') return processingJobComponentDetails(job);
  if (job.kind === 'transform-job') return transformJobComponentDetails(job);
  return trainingJobComponentDetails(job);
}

type Artifacts = Record<string, { Value: string; MediaType?: string }>;

type Parameters = Record<string, { StringValue: string } | { NumberValue: number }>;

type ComponentDetails = { inputArtifacts: Artifacts; outputArtifacts: Artifacts; parameters: Parameters };

/** SageMaker's resource Parameters of a component: `SageMaker.InstanceType`, `.InstanceCount`, `.VolumeSizeInGB`. */
function resourceParameters(parameters: Parameters, resources: { InstanceType?: string; InstanceCount?: number; VolumeSizeInGB?: number } | undefined): void {
  if (!resources?.InstanceType) return;
  parameters['SageMaker.InstanceType'] = { StringValue: resources.InstanceType };
  if (typeof resources.InstanceCount === 'number') parameters['SageMaker.InstanceCount'] = { NumberValue: resources.InstanceCount };
  if (typeof resources.VolumeSizeInGB === 'number') parameters['SageMaker.VolumeSizeInGB'] = { NumberValue: resources.VolumeSizeInGB };
}

/**
 * A processing job's component: InputArtifacts one per S3 ProcessingInput (its InputName, `{Value: S3Uri}`),
 * OutputArtifacts one per S3 output of ProcessingOutputConfig (its OutputName), Parameters `SageMaker.ImageUri`
 * (AppSpecification.ImageUri) and ProcessingResources.ClusterConfig as the resource parameters.
 */
export function processingJobComponentDetails(job: JobRecord): ComponentDetails {
  const req = job.request as {
    ProcessingInputs?: readonly { InputName: string; S3Input?: { S3Uri?: string } }[];
    ProcessingOutputConfig?: { Outputs?: readonly { OutputName: string; S3Output?: { S3Uri?: string } }[] };
    AppSpecification?: { ImageUri?: string };
    ProcessingResources?: { ClusterConfig?: { InstanceType?: string; InstanceCount?: number; VolumeSizeInGB?: number } };
  };
  const inputArtifacts: Artifacts = {};
  for (const i of req.ProcessingInputs ?? []) if (i.S3Input?.S3Uri) inputArtifacts[i.InputName] = { Value: i.S3Input.S3Uri };
  const outputArtifacts: Artifacts = {};
  for (const o of req.ProcessingOutputConfig?.Outputs ?? []) if (o.S3Output?.S3Uri) outputArtifacts[o.OutputName] = { Value: o.S3Output.S3Uri };
  const parameters: Parameters = {};
  if (req.AppSpecification?.ImageUri) parameters['SageMaker.ImageUri'] = { StringValue: req.AppSpecification.ImageUri };
  resourceParameters(parameters, req.ProcessingResources?.ClusterConfig);
  return { inputArtifacts, outputArtifacts, parameters };
}

/**
 * A transform job's component: InputArtifacts `SageMaker.TransformInput` (TransformInput's S3Uri, with its
 * ContentType as MediaType), OutputArtifacts `SageMaker.TransformOutput` (TransformOutput.S3OutputPath),
 * Parameters `SageMaker.ModelName` and TransformResources' `SageMaker.InstanceType` and `SageMaker.InstanceCount`.
 */
export function transformJobComponentDetails(job: JobRecord): ComponentDetails {
  const req = job.request as {
    ModelName?: string;
    TransformInput?: { ContentType?: string; DataSource?: { S3DataSource?: { S3Uri?: string } } };
    TransformOutput?: { S3OutputPath?: string };
    TransformResources?: { InstanceType?: string; InstanceCount?: number };
  };
  const inputArtifacts: Artifacts = {};
  const input = req.TransformInput?.DataSource?.S3DataSource?.S3Uri;
  if (input) inputArtifacts['SageMaker.TransformInput'] = { Value: input, ...(req.TransformInput?.ContentType ? { MediaType: req.TransformInput.ContentType } : {}) };
  const outputArtifacts: Artifacts = {};
  if (req.TransformOutput?.S3OutputPath) outputArtifacts['SageMaker.TransformOutput'] = { Value: req.TransformOutput.S3OutputPath };
  const parameters: Parameters = {};
  if (req.ModelName) parameters['SageMaker.ModelName'] = { StringValue: req.ModelName };
  resourceParameters(parameters, req.TransformResources);
  return { inputArtifacts, outputArtifacts, parameters };
}

/**
 * What SageMaker shows of a training job on its component, read from the job's record when asked (nothing
 * is copied): InputArtifacts, one per S3 channel (its name, `{Value: S3Uri}`); OutputArtifacts
 * `SageMaker.ModelArtifact` once the job uploaded a model; and among Parameters, as SageMaker lists them,
 * `SageMaker.ImageUri` (the TrainingImage, absent when an AlgorithmName was given) and the job's
 * ResourceConfig as `SageMaker.InstanceType`, `SageMaker.InstanceCount` and `SageMaker.VolumeSizeInGB`
 * (absent for a job of InstanceGroups, which has no single instance type).
 */
export function trainingJobComponentDetails(job: JobRecord): ComponentDetails {
  const req = job.request as {
    AlgorithmSpecification?: { TrainingImage?: string };
    InputDataConfig?: readonly { ChannelName: string; DataSource?: { S3DataSource?: { S3Uri?: string } } }[];
    ResourceConfig?: { InstanceType?: string; InstanceCount?: number; VolumeSizeInGB?: number };
  };
  const inputArtifacts: Artifacts = {};
  for (const ch of req.InputDataConfig ?? []) {
    const uri = ch.DataSource?.S3DataSource?.S3Uri;
    if (uri) inputArtifacts[ch.ChannelName] = { Value: uri };
  }
  const parameters: Parameters = {};
  const image = req.AlgorithmSpecification?.TrainingImage;
  if (image) parameters['SageMaker.ImageUri'] = { StringValue: image };
  resourceParameters(parameters, req.ResourceConfig);
  return {
    inputArtifacts,
    outputArtifacts: job.modelArtifacts ? { 'SageMaker.ModelArtifact': { Value: job.modelArtifacts } } : {},
    parameters,
  };
}

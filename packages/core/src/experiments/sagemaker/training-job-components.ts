import { jobsCollection, type JobRecord } from '../../jobs/job.collections.js';
import type { ExperimentStore, RunInfoRecord } from '../../ports/experiment-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';

/** SageMaker's name for a training job's trial component. */
export const trainingJobComponentName = (jobName: string): string => `${jobName}-aws-training-job`;

/** The trial a job joins when its ExperimentConfig names an experiment but no trial (SageMaker creates one). */
export const defaultTrialName = (experimentName: string): string => `Default-Run-Group-${experimentName}`.slice(0, 120);

export interface TrainingJobComponentInput {
  readonly jobName: string;
  readonly jobArn: string;
  readonly experimentName?: string;
  readonly trialName?: string;
  readonly trialComponentDisplayName?: string;
}

/**
 * Exposes a training job's run as SageMaker's trial component `<job>-aws-training-job` (its source the job)
 * and, when the job's ExperimentConfig names an experiment, puts it in the trial ExperimentConfig names —
 * created in the run's experiment when missing, left out when it is another experiment's — or, TrialName
 * alone, in that existing trial; once, when the component is made. The run is the
 * component: nothing is copied. A run that already is a component (a name given before) keeps it and its
 * trials as they are; a deleted run gets none.
 */
export async function exposeTrainingJobComponent(store: ExperimentStore, job: TrainingJobComponentInput, run: RunInfoRecord, now: number): Promise<void> {
  // A deleted run (through MLflow, or DeleteTrialComponent) is no component: nothing is made again for it.
  if (run.lifecycleStage !== 'active') return;
  const name = trainingJobComponentName(job.jobName);
  // Exposed before (by an earlier server: every start reads every job again), or the name is another run's
  // (a component made by hand): left alone, so the trials it was taken out of, or deleted, stay so.
  if ((await store.trialComponentOfRun(run.runId)) ?? (await store.getTrialComponent(name))) return;
  try {
    await store.createTrialComponent({
      name, runId: run.runId, sourceArn: job.jobArn, sourceType: 'SageMakerTrainingJob', ...(job.trialComponentDisplayName ? { displayName: job.trialComponentDisplayName } : {}),
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
  let trial = await store.getTrial(trialName);
  if (!trial) {
    // None to join: without an experiment there is none to create it in (CreateTrainingJob refused that).
    if (!job.experimentName) return;
    await store.createTrial({ name: trialName, experimentId: run.experimentId, creationTime: now, lastModifiedTime: now }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
    });
    trial = await store.getTrial(trialName);
  }
  // A trial of another experiment than the one named is not joined (CreateTrainingJob refuses it; this one may
  // have been made since): the job would put its component in a trial its creator was not checked on.
  if (!trial || (job.experimentName && trial.experimentId !== run.experimentId)) return;
  // The trial's name as stored: ExperimentConfig may spell it in another case (names are case-insensitive).
  await store.associateTrialComponent(trial.name, component, now);
}

/** Finds the training job an ARN names (for its component's artifacts); undefined when there is none. */
export type TrainingJobLookup = (arn: string) => Promise<JobRecord | undefined>;

/** The training jobs of a metadata store, by ARN. */
export const trainingJobLookup = (store: MetadataStore): TrainingJobLookup => async (arn) => {
  const job = (await store.collection(jobsCollection).findOne('arn', arn))?.value;
  return job?.kind === 'training-job' ? job : undefined;
};

type Artifacts = Record<string, { Value: string; MediaType?: string }>;

type Parameters = Record<string, { StringValue: string } | { NumberValue: number }>;

/**
 * What SageMaker shows of a training job on its component, read from the job's record when asked (nothing
 * is copied): InputArtifacts, one per S3 channel (its name, `{Value: S3Uri}`); OutputArtifacts
 * `SageMaker.ModelArtifact` once the job uploaded a model; and among Parameters, as SageMaker lists them,
 * `SageMaker.ImageUri` (the TrainingImage, absent when an AlgorithmName was given) and the job's
 * ResourceConfig as `SageMaker.InstanceType`, `SageMaker.InstanceCount` and `SageMaker.VolumeSizeInGB`
 * (absent for a job of InstanceGroups, which has no single instance type).
 */
export function trainingJobComponentDetails(job: JobRecord): { inputArtifacts: Artifacts; outputArtifacts: Artifacts; parameters: Parameters } {
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
  const resources = req.ResourceConfig;
  if (resources?.InstanceType) {
    parameters['SageMaker.InstanceType'] = { StringValue: resources.InstanceType };
    if (typeof resources.InstanceCount === 'number') parameters['SageMaker.InstanceCount'] = { NumberValue: resources.InstanceCount };
    if (typeof resources.VolumeSizeInGB === 'number') parameters['SageMaker.VolumeSizeInGB'] = { NumberValue: resources.VolumeSizeInGB };
  }
  return {
    inputArtifacts,
    outputArtifacts: job.modelArtifacts ? { 'SageMaker.ModelArtifact': { Value: job.modelArtifacts } } : {},
    parameters,
  };
}

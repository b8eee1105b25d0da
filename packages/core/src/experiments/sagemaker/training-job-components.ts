import type { ExperimentStore, RunInfoRecord } from '../../ports/experiment-store.js';

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
 * created in the run's experiment when missing. The run is the component: nothing is copied. Idempotent;
 * a run that already is a component (a name given before) keeps it.
 */
export async function exposeTrainingJobComponent(store: ExperimentStore, job: TrainingJobComponentInput, run: RunInfoRecord, now: number): Promise<void> {
  const name = trainingJobComponentName(job.jobName);
  const existing = (await store.trialComponentOfRun(run.runId)) ?? (await store.getTrialComponent(name));
  if (!existing) {
    await store.createTrialComponent({
      name, runId: run.runId, sourceArn: job.jobArn, sourceType: 'SageMakerTrainingJob', ...(job.trialComponentDisplayName ? { displayName: job.trialComponentDisplayName } : {}),
      numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: now, lastModifiedTime: now,
    }).catch((err: unknown) => {
      // Another server recorded it meanwhile.
      if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
    });
  } else if (existing.runId !== run.runId) {
    return; // The name belongs to another run (a component made by hand): left alone.
  }
  if (!job.experimentName) return;
  const component = existing?.name ?? name;
  const trialName = job.trialName ?? defaultTrialName(job.experimentName);
  if (!(await store.getTrial(trialName))) {
    await store.createTrial({ name: trialName, experimentId: run.experimentId, creationTime: now, lastModifiedTime: now }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
    });
  }
  // The trial's name as stored: ExperimentConfig may spell it in another case (names are case-insensitive).
  await store.associateTrialComponent((await store.getTrial(trialName))?.name ?? trialName, component, now);
}

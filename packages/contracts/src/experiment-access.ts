/**
 * An MLflow experiment a request makes Loam write into for the caller, named by the input: a training
 * job's ExperimentConfig.ExperimentName, where the job logs itself as a run (its hyperparameters,
 * metrics, status and model). Loam writes the run with its own access, so the caller's policies are
 * checked when the request is taken, as if they logged the run themselves (ADR 0009, ADR 0019).
 */
export interface ExperimentAccess {
  /** The input path of the name (`/ExperimentConfig/ExperimentName`), named when refused. */
  readonly field: string;
  readonly experimentName: string;
  /**
   * Checked on `mlflow-experiment/<id>` when an experiment has that name; when none has,
   * `sagemaker:CreateMlflowExperiment` on `*` (Loam creates it, as MLflow's `experiments/create`).
   * An `s3://` artifact location is checked for `s3:PutObject` under it (the model is copied there).
   */
  readonly actions: readonly string[];
  /**
   * ExperimentConfig.TrialName: the trial the job's trial component joins. An existing trial must belong to
   * the experiment named (else ValidationException) and take `sagemaker:AssociateTrialComponent`; one that
   * Loam creates needs `sagemaker:CreateTrial` too. Without an experiment name (TrialName alone) the trial
   * must exist: the component joins it, and `experimentName` is empty (the run goes to Default).
   */
  readonly trial?: { readonly field: string; readonly name: string };
  /** What writes there, as refusals name it: 'training job' (the default), 'processing job', 'transform job'. */
  readonly job?: string;
}

/** What a training job's run does in its experiment: create the run, log params/metrics/tags, end it, store the model. */
export const TRAINING_JOB_RUN_ACTIONS = ['sagemaker:CreateMlflowRun', 'sagemaker:LogMlflowBatch', 'sagemaker:UpdateMlflowRun', 'sagemaker:PutMlflowArtifact'] as const;

/**
 * What a processing or transform job's run does in its experiment: create the run, log its tags, end it.
 * No model is copied, so the experiment's artifact location is not written.
 */
export const JOB_RUN_ACTIONS = ['sagemaker:CreateMlflowRun', 'sagemaker:LogMlflowBatch', 'sagemaker:UpdateMlflowRun'] as const;

/**
 * The experiment and trial a processing or transform job's ExperimentConfig names (`job` as refusals name it):
 * checked as a training job's (trainingJobExperiment), with JOB_RUN_ACTIONS.
 */
export function jobExperiment(job: 'processing job' | 'transform job', config: { ExperimentName?: string; TrialName?: string } | undefined): ExperimentAccess[] {
  return trainingJobExperiment('/ExperimentConfig/ExperimentName', config?.ExperimentName, '/ExperimentConfig/TrialName', config?.TrialName, JOB_RUN_ACTIONS)
    .map((a) => ({ ...a, job }));
}

/**
 * The experiment a training job names (none: its run goes to the Default experiment, which is not checked)
 * and the trial its ExperimentConfig names, if any (`trialField` names it when refused).
 */
export function trainingJobExperiment(field: string, experimentName: string | undefined, trialField?: string, trialName?: string, actions: readonly string[] = TRAINING_JOB_RUN_ACTIONS): ExperimentAccess[] {
  const trial = trialField && trialName ? { trial: { field: trialField, name: trialName } } : {};
  if (experimentName) return [{ field, experimentName, actions, ...trial }];
  return trialName && trialField ? [{ field, experimentName: '', actions: [], ...trial }] : [];
}

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
}

/** What a training job's run does in its experiment: create the run, log params/metrics/tags, end it, store the model. */
export const TRAINING_JOB_RUN_ACTIONS = ['sagemaker:CreateMlflowRun', 'sagemaker:LogMlflowBatch', 'sagemaker:UpdateMlflowRun', 'sagemaker:PutMlflowArtifact'] as const;

/**
 * The experiment a training job names (none: its run goes to the Default experiment, which is not checked)
 * and the trial its ExperimentConfig names, if any (`trialField` names it when refused).
 */
export function trainingJobExperiment(field: string, experimentName: string | undefined, trialField?: string, trialName?: string): ExperimentAccess[] {
  const trial = trialField && trialName ? { trial: { field: trialField, name: trialName } } : {};
  if (experimentName) return [{ field, experimentName, actions: TRAINING_JOB_RUN_ACTIONS, ...trial }];
  return trialName && trialField ? [{ field, experimentName: '', actions: [], ...trial }] : [];
}

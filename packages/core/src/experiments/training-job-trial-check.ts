import type { ExperimentAccess } from '@loam/contracts';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal } from '../kernel/context.js';
import { AccessDeniedError, isLoamError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { ExperimentStore } from '../ports/experiment-store.js';

/**
 * The trial a training job's ExperimentConfig.TrialName puts its component in, checked when the request is
 * taken. An existing trial must belong to ExperimentConfig.ExperimentName (ValidationException naming the
 * experiment it belongs to, once the caller may associate with it) and the caller be allowed
 * `sagemaker:AssociateTrialComponent` on it and on its `mlflow-experiment/<id>`, as AssociateTrialComponent
 * checks; a trial Loam will create also needs `sagemaker:CreateTrial` on its ARN. Named alone (no
 * ExperimentName), the trial must exist: the job joins it, in its experiment.
 */
export async function checkTrainingJobTrial(
  deps: { readonly store: ExperimentStore; readonly authorize: ActionAuthorizer; readonly partition: Partition },
  principal: Principal, access: ExperimentAccess,
): Promise<void> {
  if (!access.trial) return;
  const { field, name } = access.trial;
  const trial = await deps.store.getTrial(name);
  const arn = resourceArn(deps.partition, 'experiment-trial', trial?.name ?? name);
  const check = async (action: string, resource: string, what: string) => {
    try {
      await deps.authorize(principal, action, resource);
    } catch (e) {
      if (!(isLoamError(e) && e.code === 'AccessDeniedException')) throw e;
      throw new AccessDeniedError(`${e.message} (${field}: '${name}': ${what})`);
    }
  };
  if (!trial) {
    if (!access.experimentName) throw new ValidationError(`${field}: no trial is named '${name}'. Name an existing trial, or ExperimentConfig.ExperimentName too, for the training job to create the trial in it.`);
    const what = 'no trial has this name, and the training job would create it and join it';
    await check('sagemaker:CreateTrial', arn, what);
    await check('sagemaker:AssociateTrialComponent', arn, what);
    return;
  }
  const what = "the trial the training job's trial component would join";
  await check('sagemaker:AssociateTrialComponent', arn, what);
  await check('sagemaker:AssociateTrialComponent', resourceArn(deps.partition, 'mlflow-experiment', trial.experimentId), `${what}, in experiment ${trial.experimentId}`);
  if (!access.experimentName) return;
  const experiment = await deps.store.getExperimentByName(access.experimentName);
  if (experiment?.experimentId === trial.experimentId) return;
  const owner = await deps.store.getExperiment(trial.experimentId);
  throw new ValidationError(`${field}: trial '${trial.name}' belongs to experiment '${owner?.name ?? trial.experimentId}', not to ExperimentConfig.ExperimentName '${access.experimentName}'. Name a trial of that experiment, a new trial name, or that trial alone (without ExperimentName).`);
}

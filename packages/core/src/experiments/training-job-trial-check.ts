import type { ExperimentAccess } from '@loam/contracts';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal } from '../kernel/context.js';
import { AccessDeniedError, isLoamError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import { hiddenEntityRefusal, mayReadIn, mayReadName, type NamedEntity } from './job-experiment-read-check.js';
import { defaultTrialName, findDefaultTrial } from './sagemaker/training-job-components.js';

type Deps = { readonly store: ExperimentStore; readonly authorize: ActionAuthorizer; readonly partition: Partition };

/**
 * The trial a job's component (a training job's, or a processing or transform job's) will join, checked when the request is taken, as
 * AssociateTrialComponent and CreateTrial would check it: ExperimentConfig.TrialName's, or, with
 * ExperimentName alone, the `Default-Run-Group-<experiment>` trial Loam joins or creates for it.
 *
 * A trial ExperimentConfig.TrialName names must belong to ExperimentConfig.ExperimentName (ValidationException
 * naming the experiment it belongs to, once the caller may associate with it) and the caller be allowed
 * `sagemaker:AssociateTrialComponent` on it and on its `mlflow-experiment/<id>`; a trial Loam will create also
 * needs `sagemaker:CreateTrial` on its ARN. Named alone (no ExperimentName), the trial must exist: the job joins
 * it, in its experiment. A Default-Run-Group trial of another experiment is not joined (exposeTrainingJobComponent),
 * so nothing is checked on it.
 *
 * Read before write: a trial the caller may not read (`sagemaker:DescribeTrial` on the ARN the name gives, or on
 * the MLflow experiment of one that holds it) is refused in the same words as a free name they may not read
 * (hiddenEntityRefusal, naming no id), and, named alone, answered as a missing one is (ValidationException).
 */
export async function checkTrainingJobTrial(deps: Deps, principal: Principal, access: ExperimentAccess): Promise<void> {
  if (!access.trial) {
    if (access.experimentName) await checkDefaultTrial(deps, principal, access);
    return;
  }
  const { field, name } = access.trial;
  const entity: NamedEntity = { kind: 'trial', field, name, job: jobOf(access) };
  if (!(await mayReadName(deps, principal, entity))) throw hiddenEntityRefusal(deps, principal, entity);
  const held = await deps.store.getTrial(name);
  // Hidden by its MLflow experiment: answered as a free name, which a job names alone is refused as and with ExperimentName would create.
  const hidden = held !== undefined && !(await mayReadIn(deps, principal, entity, held.experimentId));
  if (hidden && access.experimentName) throw hiddenEntityRefusal(deps, principal, entity);
  const trial = hidden ? undefined : held;
  const check = checker(deps, principal, field, name);
  const arn = resourceArn(deps.partition, 'experiment-trial', trial?.name ?? name);
  if (!trial) {
    if (!access.experimentName) throw new ValidationError(`${field}: no trial is named '${name}'. Name an existing trial, or ExperimentConfig.ExperimentName too, for the ${jobOf(access)} to create the trial in it.`);
    const what = `no trial has this name, and the ${jobOf(access)} would create it and join it`;
    await check('sagemaker:CreateTrial', arn, what);
    await check('sagemaker:AssociateTrialComponent', arn, what);
    return;
  }
  const what = `the trial the ${jobOf(access)}'s trial component would join`;
  await check('sagemaker:AssociateTrialComponent', arn, what);
  await check('sagemaker:AssociateTrialComponent', resourceArn(deps.partition, 'mlflow-experiment', trial.experimentId), `${what}, in experiment ${trial.experimentId}`);
  if (!access.experimentName) return;
  const experiment = await deps.store.getExperimentByNameInAnyCase(access.experimentName);
  if (experiment?.experimentId === trial.experimentId) return;
  const owner = await deps.store.getExperiment(trial.experimentId);
  throw new ValidationError(`${field}: trial '${trial.name}' belongs to experiment '${owner?.name ?? trial.experimentId}', not to ExperimentConfig.ExperimentName '${access.experimentName}'. Name a trial of that experiment, a new trial name, or that trial alone (without ExperimentName).`);
}

/** ExperimentName without TrialName: the experiment's Default-Run-Group trial, which the job joins, creating it when missing. */
async function checkDefaultTrial(deps: Deps, principal: Principal, access: ExperimentAccess): Promise<void> {
  const experiment = await deps.store.getExperimentByNameInAnyCase(access.experimentName);
  const name = defaultTrialName(access.experimentName);
  const trial = await findDefaultTrial(deps.store, access.experimentName, experiment?.experimentId);
  const check = checker(deps, principal, access.field, access.experimentName);
  const arn = resourceArn(deps.partition, 'experiment-trial', trial?.name ?? name);
  if (trial && experiment?.experimentId !== trial.experimentId) return;
  // Read before write, as for a trial named (the experiment's own read was checked with it).
  const entity: NamedEntity = { kind: 'trial', field: access.field, name: trial?.name ?? name, job: jobOf(access) };
  if (!(await mayReadName(deps, principal, entity))) throw hiddenEntityRefusal(deps, principal, entity);
  if (!trial) {
    const what = `the ${jobOf(access)} would create trial '${name}' for its trial component and join it`;
    await check('sagemaker:CreateTrial', arn, what);
    await check('sagemaker:AssociateTrialComponent', arn, what);
    return;
  }
  if (!(await mayReadIn(deps, principal, entity, trial.experimentId))) throw hiddenEntityRefusal(deps, principal, entity);
  // Its experiment's own check (the run's actions on mlflow-experiment/<id>) was made with the experiment's.
  await check('sagemaker:AssociateTrialComponent', arn, `the ${jobOf(access)}'s trial component would join trial '${trial.name}'`);
  await check('sagemaker:AssociateTrialComponent', resourceArn(deps.partition, 'mlflow-experiment', trial.experimentId), `the ${jobOf(access)}'s trial component would join trial '${trial.name}', in experiment ${trial.experimentId}`);
}

/** The job as refusals name it: 'training job' unless the access says which (a processing or transform job). */
const jobOf = (access: ExperimentAccess): string => access.job ?? 'training job';

/** Checks an action, refusing with AccessDeniedException that names the field, the value and what the job would do. */
function checker(deps: Deps, principal: Principal, field: string, value: string) {
  return async (action: string, resource: string, what: string): Promise<void> => {
    try {
      await deps.authorize(principal, action, resource);
    } catch (e) {
      if (!(isLoamError(e) && e.code === 'AccessDeniedException')) throw e;
      throw new AccessDeniedError(`${e.message} (${field}: '${value}': ${what})`);
    }
  };
}

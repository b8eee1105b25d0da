import { jobExperiment, trainingJobExperiment, writeData, type DataAccess, type ExperimentAccess } from '@loam/contracts';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { JobKind } from '../jobs/job.collections.js';
import { systemPrincipal, type Principal } from '../kernel/context.js';
import { AccessDeniedError, isLoamError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { TrackingService } from './tracking.service.js';
import { hiddenEntityRefusal, mayReadIn, mayReadName } from './job-experiment-read-check.js';
import { checkTrainingJobTrial } from './training-job-trial-check.js';

/**
 * Checks one experiment a request makes Loam write into for the caller, and the trial its component joins
 * (unless `options.trials` is false: the run's side only); throws AccessDeniedException (403) naming the field.
 */
export type ExperimentAccessAuthorizer = (principal: Principal, access: ExperimentAccess, options?: { readonly trials?: boolean }) => Promise<void>;

export interface ExperimentAccessDeps {
  readonly tracking: TrackingService;
  readonly authorize: ActionAuthorizer;
  /** The caller's S3 permissions on a location (the server's DataAccessAuthorizer). */
  readonly authorizeData: (principal: Principal, access: DataAccess) => Promise<unknown>;
  readonly partition: Partition;
}

/**
 * The caller's MLflow permissions on the experiment a request names by name (a training job's
 * ExperimentConfig.ExperimentName), resolved when the request is taken: each of `access.actions` on
 * `mlflow-experiment/<id>` and, for an `s3://` artifact location, `s3:PutObject` under it; when no
 * experiment has the name, `sagemaker:CreateMlflowExperiment` on `*`, since Loam will create it. First the
 * caller must be able to read it (`sagemaker:DescribeExperiment` on the ARN the name gives, and on the MLflow
 * experiment of one that holds it): else one refusal, the same for a held name and a free one, that names
 * no id (hiddenEntityRefusal), and nothing is written into an experiment hidden from the caller. Then the
 * trial the job's component joins: ExperimentConfig.TrialName's, or the experiment's Default-Run-Group trial
 * (checkTrainingJobTrial).
 */
export function experimentAccessAuthorizer(deps: ExperimentAccessDeps): ExperimentAccessAuthorizer {
  return async (principal, access, options) => {
    await deps.tracking.init();
    if (access.experimentName) await checkExperiment(deps, principal, access);
    if (options?.trials === false) return;
    // The trial the job's component joins (ExperimentConfig.TrialName's, or the experiment's Default-Run-Group).
    await checkTrainingJobTrial({ store: deps.tracking.store, authorize: deps.authorize, partition: deps.partition }, principal, access);
  };
}

/** The run's side: `access.actions` on the experiment (or creating it) and its s3:// artifact location. */
async function checkExperiment(deps: ExperimentAccessDeps, principal: Principal, access: ExperimentAccess): Promise<void> {
  // Read before write, judged first on the ARN the name maps to, so a held name and a free one are refused alike.
  const entity = { kind: 'experiment', field: access.field, name: access.experimentName, job: access.job ?? 'training job' } as const;
  if (!(await mayReadName(deps, principal, entity))) throw hiddenEntityRefusal(deps, principal, entity);
  // In any letter case, as the job's run resolves it (TrainingJobRuns): SageMaker's names are case-insensitive.
  const experiment = await deps.tracking.store.getExperimentByNameInAnyCase(access.experimentName);
  // Hidden by its MLflow experiment: refused in the same words, which name no id.
  if (experiment && !(await mayReadIn(deps, principal, entity, experiment.experimentId))) throw hiddenEntityRefusal(deps, principal, entity);
  const named = (resource: string, action: string) => async () => {
    try {
      await deps.authorize(principal, action, resource);
    } catch (e) {
      if (!(isLoamError(e) && e.code === 'AccessDeniedException')) throw e;
      const job = access.job ?? 'training job';
      const what = experiment ? `experiment ${experiment.experimentId}, where the ${job} would log its run` : `no experiment has this name, and the ${job} would create it`;
      throw new AccessDeniedError(`${e.message} (${access.field}: '${access.experimentName}': ${what})`);
    }
  };
  if (!experiment) return named('*', 'sagemaker:CreateMlflowExperiment')();
  const arn = resourceArn(deps.partition, 'mlflow-experiment', experiment.experimentId);
  for (const action of access.actions) await named(arn, action)();
  // A training job's model is copied under the experiment's location (`<location>/<run>/artifacts/model/…`);
  // a processing or transform job's run stores no artifact there.
  if (access.actions.includes('sagemaker:PutMlflowArtifact') && experiment.artifactLocation.startsWith('s3://')) {
    for (const d of writeData(`${access.field} (experiment ${experiment.experimentId}'s artifact_location ${experiment.artifactLocation})`, experiment.artifactLocation)) {
      await deps.authorizeData(principal, d);
    }
  }
}

/**
 * The check TrainingJobRuns makes when a job's run is first recorded: the job's creator may log it in
 * the experiment the name now resolves to (the request-time check resolved it when the job was created).
 * A job recorded without a creator (before Loam kept one) is not checked.
 */
export function trainingJobRunCheck(authorizeExperiment: ExperimentAccessAuthorizer, partition: Partition): (job: { readonly kind?: JobKind; readonly userName: string; readonly experimentName: string }) => Promise<void> {
  return async (job) => {
    if (job.userName === systemPrincipal.userName) return;
    const principal: Principal = { userName: job.userName, userId: job.userName, arn: `arn:loam:iam::${partition.accountId}:user/${job.userName}`, via: 'system' };
    // The run's side only: the trial was checked when the request was taken, and one of another experiment
    // (made since) is not joined (exposeTrainingJobComponent).
    const accesses = job.kind === 'processing-job' || job.kind === 'transform-job'
      ? jobExperiment(job.kind === 'processing-job' ? 'processing job' : 'transform job', { ExperimentName: job.experimentName }).map((a) => ({ ...a, field: 'ExperimentConfig.ExperimentName' }))
      : trainingJobExperiment('ExperimentConfig.ExperimentName', job.experimentName);
    for (const access of accesses) await authorizeExperiment(principal, access, { trials: false });
  };
}

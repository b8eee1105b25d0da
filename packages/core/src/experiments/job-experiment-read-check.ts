import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal } from '../kernel/context.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';

type Deps = { readonly authorize: ActionAuthorizer; readonly partition: Partition };

/** What a job's ExperimentConfig names and the caller must be able to read before the job writes into it. */
export interface NamedEntity {
  readonly kind: 'experiment' | 'trial';
  /** The input path of the name, named when refused. */
  readonly field: string;
  readonly name: string;
  /** 'training job', 'processing job', 'transform job'. */
  readonly job: string;
}

const READ = { experiment: ['sagemaker:DescribeExperiment', 'experiment'], trial: ['sagemaker:DescribeTrial', 'experiment-trial'] } as const;

/**
 * The refusal for an experiment or trial a job's ExperimentConfig names that the caller may not read: the
 * same words whether the name is held or not and whichever check hid it (the ARN the name maps to, or the
 * MLflow experiment of the one that holds it), so it tells nothing of the entity: neither that it exists nor its id.
 */
export function hiddenEntityRefusal(deps: Deps, principal: Principal, e: NamedEntity): AccessDeniedError {
  const [action, kind] = READ[e.kind];
  return new AccessDeniedError(
    `User ${principal.arn} is not authorized to perform ${action} on ${resourceArn(deps.partition, kind, e.name)} (${e.field}: '${e.name}': a ${e.job} logs only into ${e.kind === 'experiment' ? 'an' : 'a'} ${e.kind} its caller may read, and may create one only under a name they may read).`,
  );
}

/**
 * Whether the caller may read what the name maps to before it is looked up: the read action on the ARN the
 * name gives (`experiment/<name>`, `experiment-trial/<name>`), which answers alike for a held name and a free one.
 */
export function mayReadName(deps: Deps, principal: Principal, e: NamedEntity): Promise<boolean> {
  const [action, kind] = READ[e.kind];
  return isAllowed(deps.authorize, principal, action, resourceArn(deps.partition, kind, e.name));
}

/** Whether the caller may read the entity that holds the name, in its MLflow experiment (ADR 0009: the boundary of its runs). */
export function mayReadIn(deps: Deps, principal: Principal, e: NamedEntity, experimentId: string): Promise<boolean> {
  return isAllowed(deps.authorize, principal, READ[e.kind][0], resourceArn(deps.partition, 'mlflow-experiment', experimentId));
}

import { isAllowed, type ActionAuthorizer } from '../../kernel/authorizer.js';
import type { Principal } from '../../kernel/context.js';
import { NotFoundError, ValidationError } from '../../kernel/errors.js';
import { resourceArn, type Partition } from '../../kernel/names.js';
import type { RunStatus, TrialComponentArtifactRecord } from '../../ports/experiment-store.js';

/* How SageMaker's experiment entities map onto MLflow's runs (ADR 0009), and their input rules. */

export type PrimaryStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/** SageMaker's status as the run's: Stopping is still running. */
export const RUN_STATUS: Record<PrimaryStatus, RunStatus> = { InProgress: 'RUNNING', Completed: 'FINISHED', Failed: 'FAILED', Stopping: 'RUNNING', Stopped: 'KILLED' };
export const PRIMARY_STATUS: Record<RunStatus, PrimaryStatus> = { RUNNING: 'InProgress', SCHEDULED: 'InProgress', FINISHED: 'Completed', FAILED: 'Failed', KILLED: 'Stopped' };

export const LIST_DEFAULT = 10;
export const seconds = (ms: number): number => ms / 1000;
export const millis = (s: number): number => Math.round(s * 1000);

export interface ParameterValue {
  readonly StringValue?: string;
  readonly NumberValue?: number;
}

/** Parameters as the run's params (text) and the keys given as numbers; exactly one of StringValue and NumberValue each. */
export function checkParameters(field: string, params: Readonly<Record<string, ParameterValue>> | undefined): { values: { key: string; value: string }[]; numbers: string[]; strings: string[] } {
  const values: { key: string; value: string }[] = [];
  const numbers: string[] = [];
  const strings: string[] = [];
  for (const [key, v] of Object.entries(params ?? {})) {
    const hasString = v.StringValue !== undefined;
    const hasNumber = v.NumberValue !== undefined;
    if (key === '' || hasString === hasNumber) {
      throw new ValidationError(`${field}: parameter '${key}' must have exactly one of StringValue and NumberValue${key === '' ? ', and a non-empty name' : ''}.`, [{ path: `/${field}/${key}`, message: 'exactly one of StringValue and NumberValue' }]);
    }
    if (hasNumber && !Number.isFinite(v.NumberValue)) throw new ValidationError(`${field}: parameter '${key}' NumberValue must be a finite number.`, [{ path: `/${field}/${key}/NumberValue`, message: 'not finite' }]);
    values.push({ key, value: hasNumber ? String(v.NumberValue) : (v.StringValue as string) });
    (hasNumber ? numbers : strings).push(key);
  }
  return { values, numbers, strings };
}

export function toArtifacts(a: Readonly<Record<string, { Value: string; MediaType?: string }>> | undefined): Record<string, TrialComponentArtifactRecord> {
  const out: Record<string, TrialComponentArtifactRecord> = {};
  for (const [k, v] of Object.entries(a ?? {})) out[k] = { value: v.Value, ...(v.MediaType === undefined ? {} : { mediaType: v.MediaType }) };
  return out;
}

export function fromArtifacts(a: Readonly<Record<string, TrialComponentArtifactRecord>>): Record<string, { Value: string; MediaType?: string }> {
  const out: Record<string, { Value: string; MediaType?: string }> = {};
  for (const [k, v] of Object.entries(a)) out[k] = { Value: v.value, ...(v.mediaType === undefined ? {} : { MediaType: v.mediaType }) };
  return out;
}

export function metadataIn(m: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> | undefined {
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/**
 * A trial component named by its name or its ARN (`…:experiment-trial-component/<name>`). An ARN of another
 * account or region names nothing here (NotFoundError, as the model package refs answer).
 */
export function componentNameOf(nameOrArn: string, partition: Partition): string {
  const m = /^arn:[a-z-]+:sagemaker:([a-z0-9-]*):(\d{12}):([a-z-]+)\/(.+)$/.exec(nameOrArn);
  if (!m) return nameOrArn;
  if (m[3] !== 'experiment-trial-component') throw new ValidationError(`'${nameOrArn}' is not a trial component ARN.`, [{ path: '/TrialComponentName', message: 'not a trial component ARN' }]);
  if (!inPartition(m[1] as string, m[2] as string, partition)) throw new NotFoundError('TrialComponent', nameOrArn);
  return m[4] as string;
}

/**
 * A SageMaker ARN given to match stored ones (ListTrialComponents' SourceArn), as Loam writes them
 * (`resourceArn`: its kind and name lower-cased, in this partition, region and account), as `resourceFor`
 * reads one; `undefined` for an ARN of another account or region, which names nothing here. Anything else as given.
 */
export function storedArnOf(arn: string, partition: Partition): string | undefined {
  const a = /^arn:[a-z-]+:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):([a-z0-9-]+)\/(.+)$/i.exec(arn);
  if (!a || (a[1] as string).toLowerCase() !== 'sagemaker') return arn;
  if (!inPartition(a[2] as string, a[3] as string, partition)) return undefined;
  return resourceArn(partition, (a[4] as string).toLowerCase(), a[5] as string);
}

function inPartition(region: string, accountId: string, p: Partition): boolean {
  return accountId === p.accountId && (region === '' || region === p.region);
}

/**
 * The MLflow experiment is the boundary of its runs (ADR 0009): an action on a SageMaker experiment, or on
 * a trial component whose run is in one, is also checked, with the same action, on `mlflow-experiment/<id>`,
 * so a Deny written for MLflow holds here too. `undefined` (see {@link guardedExperimentOf}) checks nothing.
 */
export async function checkOnMlflowExperiment(authorize: ActionAuthorizer, partition: Partition, principal: Principal, action: string, experimentId: string | undefined): Promise<void> {
  if (experimentId !== undefined) await authorize(principal, action, resourceArn(partition, 'mlflow-experiment', experimentId));
}

/**
 * {@link checkOnMlflowExperiment} on an entity the caller may not learn exists unless they may read it: a
 * caller who may not `readAction` on that MLflow experiment (the entity is hidden from them) gets
 * `notFound()`, the answer a missing entity gets, whatever `action` is — a caller may not change what they
 * may not see (MLflow's EDIT includes READ), and a hidden one and a missing one answer alike. A caller who
 * may read it and is refused `action` gets AccessDeniedException: they know it exists.
 * With `entityArn` (the entity's own ARN), `readAction` is checked there first, the same way: a Deny on
 * `experiment-trial/x` alone hides the trial from every action on it, not only from Describe (the
 * dispatcher checks `action` there, never the read).
 * @throws AccessDeniedException, or what `notFound` makes
 */
export async function checkOnMlflowExperimentOrHide(
  authorize: ActionAuthorizer, partition: Partition, principal: Principal, action: string, readAction: string, experimentId: string | undefined, notFound: () => Error, entityArn?: string,
): Promise<void> {
  if (entityArn !== undefined && action !== readAction && !(await isAllowed(authorize, principal, readAction, entityArn))) throw notFound();
  if (!(await allowedOnMlflowExperiment(authorize, partition, principal, readAction, experimentId))) throw notFound();
  if (action !== readAction) await checkOnMlflowExperiment(authorize, partition, principal, action, experimentId);
}

/** {@link checkOnMlflowExperiment} as a yes/no, for lists. */
export async function allowedOnMlflowExperiment(authorize: ActionAuthorizer, partition: Partition, principal: Principal, action: string, experimentId: string | undefined): Promise<boolean> {
  return experimentId === undefined || isAllowed(authorize, principal, action, resourceArn(partition, 'mlflow-experiment', experimentId));
}

/**
 * The MLflow experiment guarding a component's run: none for a component made through this API (a run of
 * Default that only this API made, and every such component lives there); the run's experiment otherwise,
 * Default included — a training job without ExperimentConfig records its run there, guarded by
 * `mlflow-experiment/0` in MLflow.
 */
export function guardedExperimentOf(c: { readonly sourceArn?: string }, runExperimentId: string): string | undefined {
  return runExperimentId === '0' && c.sourceArn === undefined ? undefined : runExperimentId;
}

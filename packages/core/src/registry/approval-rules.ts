import { DEPLOYMENT_APPROVAL_NOT_REQUIRED, DEPLOYMENT_APPROVAL_REQUIRED, DEPLOYMENT_APPROVAL_TAG } from '@loam/contracts';
import { ValidationError } from '../kernel/errors.js';
import type { TransitionTable } from '../kernel/state-machine.js';
import type { Tag } from '../ports/metadata-store.js';
import type { ApprovalStatus } from './registry.collections.js';

/**
 * How a version's approval may move. A pending version is approved or rejected; a decision may be
 * reversed (an approved model found wanting is rejected, a rejected one reconsidered), but never
 * returned to pending: the history of decisions is what the events record.
 */
export const approvalTransitions: TransitionTable<ApprovalStatus> = {
  PendingManualApproval: ['Approved', 'Rejected'],
  Approved: ['Rejected'],
  Rejected: ['Approved'],
};

/** @throws ValidationError naming the statuses `from` may move to. */
export function assertApprovalChange(arn: string, from: ApprovalStatus, to: ApprovalStatus): void {
  if (from === to || approvalTransitions[from].includes(to)) return;
  throw new ValidationError(
    `Model package '${arn}' is ${from}; its approval status can change to ${approvalTransitions[from].join(' or ')}, not ${to}.`,
    [{ path: '/ModelApprovalStatus', message: `must be one of ${approvalTransitions[from].join(', ')}` }],
  );
}

/**
 * The group setting that decides which versions may be deployed, as a tag on the model group.
 * SageMaker's rule ("for versioned models, ModelApprovalStatus must be Approved to deploy") is the
 * default; a group tagged `loam:deployment-approval = not-required` (a sandbox group, say) also lets
 * pending versions deploy. Rejected versions never deploy. A tag, rather than a new operation, so the
 * AWS SDKs, boto3 and the CLI can set it with AddTags, and it travels with the group. The tag's name and
 * values live in `@loam/contracts`, which Studio reads too.
 */
export { DEPLOYMENT_APPROVAL_TAG };
export type DeploymentApproval = typeof DEPLOYMENT_APPROVAL_REQUIRED | typeof DEPLOYMENT_APPROVAL_NOT_REQUIRED;

export function deploymentApprovalOf(tags: readonly Tag[]): DeploymentApproval {
  const v = tags.find((t) => t.Key === DEPLOYMENT_APPROVAL_TAG)?.Value.toLowerCase();
  return v === DEPLOYMENT_APPROVAL_NOT_REQUIRED ? DEPLOYMENT_APPROVAL_NOT_REQUIRED : DEPLOYMENT_APPROVAL_REQUIRED;
}

/** @throws ValidationError unless `tags` leave the setting unset or give a known value. */
export function validateDeploymentApprovalTag(tags: readonly Tag[] | undefined): void {
  const t = tags?.find((x) => x.Key === DEPLOYMENT_APPROVAL_TAG);
  const known: readonly string[] = [DEPLOYMENT_APPROVAL_REQUIRED, DEPLOYMENT_APPROVAL_NOT_REQUIRED];
  if (t && !known.includes(t.Value.toLowerCase())) {
    throw new ValidationError(
      `Tag '${DEPLOYMENT_APPROVAL_TAG}' must be '${DEPLOYMENT_APPROVAL_REQUIRED}' or '${DEPLOYMENT_APPROVAL_NOT_REQUIRED}'; got '${t.Value}'.`,
      [{ path: '/Tags', message: `${DEPLOYMENT_APPROVAL_TAG}: ${DEPLOYMENT_APPROVAL_REQUIRED} | ${DEPLOYMENT_APPROVAL_NOT_REQUIRED}` }],
    );
  }
}

/** Whether writing `tags` to a group sets it to `not-required`: its pending versions may then deploy. */
export function loosensDeploymentApproval(tags: readonly Tag[] | undefined): boolean {
  return tags?.some((t) => t.Key === DEPLOYMENT_APPROVAL_TAG && t.Value.toLowerCase() === DEPLOYMENT_APPROVAL_NOT_REQUIRED) ?? false;
}

/** Whether a package in this approval state may become a model, under the group's setting. */
export function mayDeploy(status: ApprovalStatus | undefined, policy: DeploymentApproval): boolean {
  if (status === undefined) return true; // unversioned packages carry no approval
  if (status === 'Approved') return true;
  return status === 'PendingManualApproval' && policy === DEPLOYMENT_APPROVAL_NOT_REQUIRED;
}

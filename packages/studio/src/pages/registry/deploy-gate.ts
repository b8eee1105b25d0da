import { DEPLOYMENT_APPROVAL_NOT_REQUIRED, DEPLOYMENT_APPROVAL_TAG } from '@loam/contracts';

// The model group tag that decides which versions may be deployed: the server's rule is
// `core/src/registry/approval-rules.ts`, applied by its deploy gate when CreateModel names a package.
// Studio cannot import core; the tag's name and value come from @loam/contracts, which both share.

interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * Why the registry's Deploy is not offered for a version, as the server would refuse it: only Approved
 * versions deploy (SageMaker's rule for versioned packages), or, in a group tagged
 * `loam:deployment-approval = not-required`, any version not Rejected. Undefined when it may be deployed.
 * While the group's tags are unknown (`groupTags` undefined) the default rule applies.
 */
export function whyNotDeployable(status: string | undefined, group: string, groupTags: readonly Tag[] | undefined): string | undefined {
  const approval = status ?? 'PendingManualApproval';
  if (approval === 'Approved') return undefined;
  if (approval === 'Rejected') return 'A Rejected version cannot be deployed. Approve it first to deploy it.';
  const loosened = groupTags?.find((t) => t.Key === DEPLOYMENT_APPROVAL_TAG)?.Value.toLowerCase() === DEPLOYMENT_APPROVAL_NOT_REQUIRED;
  if (loosened) return undefined;
  return `Only Approved versions of ${group} can be deployed: approve this version first (or tag the group ${DEPLOYMENT_APPROVAL_TAG} = ${DEPLOYMENT_APPROVAL_NOT_REQUIRED} to deploy pending versions).`;
}

import { DeployDialogButton } from '../models/deploy-model-button.js';

/**
 * Deploy a version to a running endpoint in one form, as SageMaker Studio's registry does: a model whose
 * container is the package (the server applies the group's approval policy) with the proposed execution
 * role, an endpoint config with one variant, and the endpoint, whose page opens while it comes up.
 */
export function DeployButton({ arn, group, version }: { arn: string; group: string; version: number | undefined }) {
  const label = `Deploy ${group} version ${version ?? ''}`;
  // One button per version row: its name says which version it deploys.
  return <DeployDialogButton source={{ kind: 'package', arn, group, version }} title={label} aria-label={label} size="xs" variant="default" />;
}

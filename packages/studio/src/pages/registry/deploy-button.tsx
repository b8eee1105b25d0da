import { Button, Tooltip, VisuallyHidden } from '@mantine/core';
import { useId } from 'react';
import { DeployDialogButton } from '../models/deploy-model-button.js';

/**
 * Deploy a version to a running endpoint in one form, as SageMaker Studio's registry does: a model whose
 * container is the package (the server applies the group's approval policy) with the proposed execution
 * role, an endpoint config with one variant, and the endpoint, whose page opens while it comes up. A
 * version the server would refuse (`blocked`, see deploy-gate.ts) gets a disabled Deploy that says why.
 */
export function DeployButton({ arn, group, version, blocked }: { arn: string; group: string; version: number | undefined; blocked?: string | undefined }) {
  const label = `Deploy ${group} version ${version ?? ''}`;
  const reasonId = useId();
  if (blocked) {
    // aria-disabled rather than disabled, so the button keeps focus and hover and its reason can be read.
    return (
      <>
        <Tooltip label={blocked} multiline w={280} withArrow>
          <Button size="xs" variant="default" data-disabled aria-disabled="true" aria-label={label} aria-describedby={reasonId} onClick={(e) => e.preventDefault()}>
            Deploy
          </Button>
        </Tooltip>
        <VisuallyHidden id={reasonId}>{blocked}</VisuallyHidden>
      </>
    );
  }
  // One button per version row: its name says which version it deploys.
  return <DeployDialogButton source={{ kind: 'package', arn, group, version }} title={label} aria-label={label} size="xs" variant="default" />;
}

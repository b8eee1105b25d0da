import { useState } from 'react';
import { useNavigate } from '@tanstack/react-router';
import { Button } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { useExecutionRole } from '../../app/session.js';
import { modelPath, stampedName } from '../models/model-paths.js';
import { toUserFacingError } from '../../schema/problems.js';

/**
 * Deploy a version: create a Model whose container is the package (the server applies the group's approval
 * policy, with the execution role a model form would propose) and open the model's page, where an endpoint config puts it on a variant.
 */
export function DeployButton({ arn, group, version }: { arn: string; group: string; version: number | undefined }) {
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const role = useExecutionRole();
  const [busy, setBusy] = useState(false);
  const deploy = async () => {
    setBusy(true);
    const name = stampedName(`${group}-v${version ?? 0}`.slice(0, 45));
    try {
      // The role a model form would propose: no form opens here, so the model records it as is.
      await loam.CreateModel({ ModelName: name, PrimaryContainer: { ModelPackageName: arn }, ExecutionRoleArn: role.proposed });
      notify({ title: `Model ${name} created from ${group} version ${version ?? ''}`, tone: 'success', to: modelPath(name) });
      void navigate({ to: modelPath(name) });
    } catch (e) {
      notify({ title: `Could not deploy ${group} version ${version ?? ''}`, message: toUserFacingError(e, { iamAction: 'sagemaker:CreateModel' }).detail, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="xs" variant="default" loading={busy} aria-label={`Deploy ${group} version ${version ?? ''}`} onClick={() => void deploy()}>
      Deploy
    </Button>
  );
}

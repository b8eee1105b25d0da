import { useState } from 'react';
import { Button, Modal } from '@mantine/core';
import { DeployForm } from '../models/deploy-form.js';

/**
 * Deploy a version to a running endpoint in one form, as SageMaker Studio's registry does: a model whose
 * container is the package (the server applies the group's approval policy) with the proposed execution
 * role, an endpoint config with one variant, and the endpoint, whose page opens while it comes up.
 */
export function DeployButton({ arn, group, version }: { arn: string; group: string; version: number | undefined }) {
  const [open, setOpen] = useState(false);
  const label = `${group} version ${version ?? ''}`;
  return (
    <>
      <Button size="xs" variant="default" aria-label={`Deploy ${label}`} onClick={() => setOpen(true)}>
        Deploy
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Deploy ${label}`} size="lg" closeOnClickOutside={false}>
        {open && <DeployForm source={{ kind: 'package', arn, group, version }} onCancel={() => setOpen(false)} />}
      </Modal>
    </>
  );
}

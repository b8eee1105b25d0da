import { useState } from 'react';
import { Button, Modal } from '@mantine/core';
import { DeployForm } from './deploy-form.js';

/**
 * Deploy a model in one step: an endpoint config with one variant (and data capture when asked), then an
 * endpoint on it; the endpoint's page opens while it comes up. A failed endpoint leaves no orphan config.
 */
export function DeployModelButton({ model }: { model: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Deploy</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Deploy ${model}`} size="lg" closeOnClickOutside={false}>
        {open && <DeployForm source={{ kind: 'model', model }} onCancel={() => setOpen(false)} />}
      </Modal>
    </>
  );
}

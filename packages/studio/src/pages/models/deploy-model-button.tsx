import { useState } from 'react';
import { Button, Modal, type ButtonProps } from '@mantine/core';
import { DeployForm, type DeploySource } from './deploy-form.js';

/** A Deploy button opening the one-form deploy (`DeployForm`) for a model or a registered version, titled `title`. */
export function DeployDialogButton({ source, title, ...button }: { source: DeploySource; title: string; 'aria-label'?: string } & ButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button {...button} onClick={() => setOpen(true)}>
        Deploy
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} size="lg" closeOnClickOutside={false}>
        {open && <DeployForm source={source} onCancel={() => setOpen(false)} />}
      </Modal>
    </>
  );
}

/**
 * Deploy a model in one step: an endpoint config with one variant (and data capture when asked), then an
 * endpoint on it; the endpoint's page opens while it comes up. A failed endpoint leaves no orphan config.
 */
export function DeployModelButton({ model }: { model: string }) {
  return <DeployDialogButton source={{ kind: 'model', model }} title={`Deploy ${model}`} />;
}

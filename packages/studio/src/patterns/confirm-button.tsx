import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { toUserFacingError, type UserFacingError } from '../schema/problems.js';
import { ErrorAlert } from './error-alert.js';

export interface ConfirmButtonProps extends Omit<ButtonProps, 'onClick'> {
  /** Button text, e.g. `Delete`. */
  readonly label: string;
  /** Accessible name when the label alone is ambiguous in a row (`Delete access key AKIA…`). */
  readonly ariaLabel?: string;
  readonly title: string;
  readonly message: ReactNode;
  readonly confirmLabel?: string;
  readonly iamAction?: string;
  /** Runs when the user confirms; a throw is shown in the dialog and keeps it open. */
  readonly onConfirm: () => Promise<void>;
}

/** A destructive action behind a confirmation dialog that says exactly what will happen. */
export function ConfirmButton({ label, ariaLabel, title, message, confirmLabel, iamAction, onConfirm, ...button }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UserFacingError | undefined>();
  const close = () => {
    setOpen(false);
    setError(undefined);
  };
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      close();
    } catch (e) {
      setError(toUserFacingError(e, iamAction ? { iamAction } : {}));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button color="red" variant="light" size="xs" {...button} aria-label={ariaLabel ?? label} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Modal opened={open} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          {error && <ErrorAlert error={error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={() => void confirm()} data-autofocus>
              {confirmLabel ?? label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

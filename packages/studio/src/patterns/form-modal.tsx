import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, type ModalProps } from '@mantine/core';

interface FormModalProps {
  readonly opened: boolean;
  /** Closes the dialog; called at once when nothing was typed, after the user confirms otherwise. */
  readonly onClose: () => void;
  readonly title: ReactNode;
  readonly size?: ModalProps['size'];
  /** Whether the form holds unsaved input; typing or choosing in any of its inputs also counts. */
  readonly dirty?: boolean;
  readonly children: ReactNode;
}

/**
 * The dialog every create or edit form opens in. Clicking outside never closes it, and once something
 * was typed, Escape and the close button ask before throwing the input away.
 */
export function FormModal({ opened, onClose, title, size = 'lg', dirty = false, children }: FormModalProps) {
  const [touched, setTouched] = useState(false);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!opened) {
      setTouched(false);
      setConfirming(false);
    }
  }, [opened]);
  const requestClose = () => {
    if (confirming) setConfirming(false);
    else if (dirty || touched) setConfirming(true);
    else onClose();
  };
  const markTouched = () => {
    if (!touched) setTouched(true);
  };
  return (
    <Modal opened={opened} onClose={requestClose} title={title} size={size} closeOnClickOutside={false}>
      {confirming && (
        <Alert color="yellow" variant="light" role="alertdialog" aria-label="Discard changes?" title="Discard changes?" mb="sm">
          What you entered in this form will be lost.
          <Group gap="xs" mt="xs">
            <Button size="xs" variant="default" autoFocus onClick={() => setConfirming(false)}>
              Keep editing
            </Button>
            <Button size="xs" color="red" onClick={onClose}>
              Discard
            </Button>
          </Group>
        </Alert>
      )}
      {/* React events bubble through portals, so a Select's option list (rendered in the body) counts too. */}
      <div onInput={markTouched} onChange={markTouched} onClick={(e) => (e.target as Element).closest?.('[role="option"]') && markTouched()}>
        {children}
      </div>
    </Modal>
  );
}

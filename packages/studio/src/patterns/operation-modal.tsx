import { useState } from 'react';
import { Button, type ButtonProps } from '@mantine/core';
import { OperationForm, type OperationFormProps } from './operation-form.js';
import { FormModal } from './form-modal.js';

interface OperationModalProps extends Omit<OperationFormProps, 'onCancel' | 'onDone'> {
  readonly buttonLabel: string;
  readonly title: string;
  readonly button?: ButtonProps;
  readonly onDone?: OperationFormProps['onDone'];
}

/** A button that opens a generated form in a dialog (create user, create access key, add tags…). */
export function OperationModal({ buttonLabel, title, button, onDone, ...form }: OperationModalProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" {...button} onClick={() => setOpen(true)}>
        {buttonLabel}
      </Button>
      <FormModal opened={open} onClose={() => setOpen(false)} title={title} size="lg">
        {open && (
          <OperationForm
            {...form}
            onCancel={() => setOpen(false)}
            onDone={(output, input) => {
              setOpen(false);
              onDone?.(output, input);
            }}
          />
        )}
      </FormModal>
    </>
  );
}

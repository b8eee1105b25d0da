import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Button } from '@mantine/core';
import { useNotifications } from '../../app/notifications.js';
import type { FormValues } from '../../schema/validate.js';
import { NestedOperationForm } from '../jobs/nested-operation-form.js';
import { FormModal } from '../../patterns/form-modal.js';

export interface CreateDialogProps {
  /** A create operation with nested input (CreateModel, CreateEndpointConfig, CreateEndpoint). */
  readonly operation: string;
  readonly title: string;
  /** The input member holding the new resource's name. */
  readonly nameKey: string;
  /** The list to refresh once it exists. */
  readonly listOperation: string;
  readonly pathOf: (name: string) => string;
  /** Called fresh on every open, so suggested names stay unique. */
  readonly initial?: () => FormValues;
  readonly initialCounts?: Readonly<Record<string, number>>;
  /** Leaves to mark required although the schema has them optional (see `NestedOperationForm`). */
  readonly required?: readonly string[];
  /** What the notification says once it exists; `<name> created` unless given. */
  readonly doneTitle?: (name: string, output: unknown) => string;
}

/** A button opening a create form generated from the operation's schema; on success, go to the new resource. */
export function CreateDialog({ operation, title, nameKey, listOperation, pathOf, initial, initialCounts, required, doneTitle }: CreateDialogProps) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>{title}</Button>
      <FormModal opened={open} onClose={() => setOpen(false)} title={title} size="xl">
        {open && (
          <NestedOperationForm
            operation={operation}
            {...(initial ? { initial: initial() } : {})}
            {...(initialCounts ? { initialCounts } : {})}
            {...(required ? { required } : {})}
            submitLabel={title}
            onCancel={() => setOpen(false)}
            onDone={(out, input) => {
              const name = String(input[nameKey]);
              setOpen(false);
              void qc.invalidateQueries({ queryKey: [listOperation] });
              notify({ title: doneTitle ? doneTitle(name, out) : `${name} created`, tone: 'success', to: pathOf(name) });
              void navigate({ to: pathOf(name) });
            }}
          />
        )}
      </FormModal>
    </>
  );
}

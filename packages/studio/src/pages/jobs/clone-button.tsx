import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Button, Text } from '@mantine/core';
import { getOperation } from '@loam/contracts';
import { useNotifications } from '../../app/notifications.js';
import { FormModal } from '../../patterns/form-modal.js';
import type { JsonSchema } from '../../schema/fields.js';
import { cloneForm } from './clone-values.js';
import { NestedOperationForm } from './nested-operation-form.js';

export interface CloneButtonProps {
  /** The create operation whose form opens (CreateTrainingJob, CreateHyperParameterTuningJob, CreateTransformJob). */
  readonly operation: string;
  /** What the Describe operation returned for the resource being cloned. */
  readonly described: Readonly<Record<string, unknown>>;
  /** The input member naming the new resource (its value is suggested as `<name>-copy`). */
  readonly nameKey: string;
  /** The dialog's title and submit label, e.g. `Create training job`. */
  readonly title: string;
  /** The list to refresh once the copy exists. */
  readonly listOperation: string;
  readonly pathOf: (name: string) => string;
  /** What the notification says once the copy exists. */
  readonly doneTitle?: (name: string) => string;
}

/**
 * Clone, as on a SageMaker console job page: the create form opens filled in with this resource's
 * settings, under a suggested new name, and nothing is created until the user submits it.
 */
export function CloneButton({ operation, described, nameKey, title, listOperation, pathOf, doneTitle }: CloneButtonProps) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [open, setOpen] = useState(false);
  const source = String(described[nameKey] ?? '');
  // Computed once per opening: the form keeps what the user changes even while the page refreshes the job.
  const [seed, setSeed] = useState<ReturnType<typeof cloneForm> | undefined>();
  const op = getOperation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  return (
    <>
      <Button
        variant="default"
        onClick={() => {
          setSeed(cloneForm(op.input as JsonSchema, described, nameKey));
          setOpen(true);
        }}
        aria-label={`Clone ${source}`}
      >
        Clone
      </Button>
      <FormModal opened={open} onClose={() => setOpen(false)} title={title} size="xl">
        {open && seed && (
          <NestedOperationForm
            operation={operation}
            initial={seed.values}
            initialCounts={seed.counts}
            submitLabel={title}
            intro={
              <Text size="sm">
                Settings copied from <strong>{source}</strong>. Change the name and anything else, then create it.
              </Text>
            }
            onCancel={() => setOpen(false)}
            onDone={(_out, input) => {
              const name = String(input[nameKey]);
              setOpen(false);
              void qc.invalidateQueries({ queryKey: [listOperation] });
              notify({ title: doneTitle ? doneTitle(name) : `${name} created`, tone: 'success', to: pathOf(name) });
              void navigate({ to: pathOf(name) });
            }}
          />
        )}
      </FormModal>
    </>
  );
}

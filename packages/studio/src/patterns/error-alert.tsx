import { Alert, Code, List, Text } from '@mantine/core';
import { labelFor } from '../schema/labels.js';
import type { UserFacingError } from '../schema/problems.js';

interface ErrorAlertProps {
  readonly error: UserFacingError;
  readonly onClose?: () => void;
  /**
   * The names (keys of `error.fields`) whose messages the form shows next to a visible field. Every other
   * field message is shown here, in the alert, so no message of the server's is lost; none given means
   * the form shows none of them.
   */
  readonly placed?: Iterable<string>;
}

/** An API error as the user needs it: what happened, the server's words, and what to do next. */
export function ErrorAlert({ error, onClose, placed }: ErrorAlertProps) {
  const onForm = new Set(placed ?? []);
  const entries = Object.entries(error.fields);
  const placedCount = entries.filter(([k]) => onForm.has(k)).length;
  const unplaced = entries.filter(([k]) => !onForm.has(k));
  // The server's sentence when it named no field; otherwise its per-field messages say it more precisely.
  const showDetail = entries.length === 0;
  return (
    <Alert color="red" variant="light" title={error.title} role="alert" {...(onClose ? { withCloseButton: true, onClose, closeButtonLabel: 'Dismiss error' } : {})}>
      {showDetail && <Text size="sm">{error.detail}</Text>}
      {placedCount > 0 && <Text size="sm">{placedCount === 1 ? 'One field needs' : `${placedCount} fields need`} attention: see the messages below each.</Text>}
      {unplaced.length > 0 && (
        <List size="sm" mt={4} aria-label="Problems not shown on a field">
          {unplaced.map(([k, m]) => (
            <List.Item key={k}>
              <strong>{labelFor(k)}</strong>: {m}
            </List.Item>
          ))}
        </List>
      )}
      <Text size="sm" mt={4} fw={500}>
        {placedCount === 0 && unplaced.length > 0 && error.code === 'ValidationException' ? 'Fix what is listed above and submit again.' : error.action}
      </Text>
      {error.requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          Request id <Code>{error.requestId}</Code>
        </Text>
      )}
    </Alert>
  );
}

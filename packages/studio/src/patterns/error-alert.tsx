import { Alert, Code, Text } from '@mantine/core';
import type { UserFacingError } from '../schema/problems.js';

/** An API error as the user needs it: what happened, the server's words, and what to do next. */
export function ErrorAlert({ error, onClose }: { error: UserFacingError; onClose?: () => void }) {
  const fieldCount = Object.keys(error.fields).length;
  return (
    <Alert color="red" variant="light" title={error.title} role="alert" {...(onClose ? { withCloseButton: true, onClose, closeButtonLabel: 'Dismiss error' } : {})}>
      {fieldCount === 0 && <Text size="sm">{error.detail}</Text>}
      {fieldCount > 0 && <Text size="sm">{fieldCount === 1 ? 'One field needs' : `${fieldCount} fields need`} attention: see the messages below each.</Text>}
      <Text size="sm" mt={4} fw={500}>
        {error.action}
      </Text>
      {error.requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          Request id <Code>{error.requestId}</Code>
        </Text>
      )}
    </Alert>
  );
}

import { Alert } from '@mantine/core';

/** Why a job failed, where the eye lands first on its page (SageMaker's console puts it under the title). */
export function FailureAlert({ kind, reason }: { kind: string; reason: string }) {
  return (
    <Alert color="red" variant="light" title={`This ${kind} failed`}>
      <span style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{reason}</span>
    </Alert>
  );
}

import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import type { OnceRow } from '../schema/shown-once.js';

/** Values the server will never show again, with copy buttons and a plain warning. */
export function ShownOncePanel({ rows, onDone }: { rows: readonly OnceRow[]; onDone: () => void }) {
  return (
    <Stack>
      <Alert color="yellow" variant="light" title="Copy this now">
        <Text size="sm">This is the only time Loam shows the {rows.filter((r) => r.secret).map((r) => r.label.toLowerCase()).join(' and ')}. Store it somewhere safe; if it is lost, create a new one and delete this one.</Text>
      </Alert>
      {rows.map((r) => (
        <div key={r.label}>
          <Text size="sm" fw={500} id={`once-${r.label.replace(/\W+/g, '-')}`}>
            {r.label}
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code aria-labelledby={`once-${r.label.replace(/\W+/g, '-')}`} data-testid={`once-${r.label}`} style={{ flex: 1, wordBreak: 'break-all' }}>
              {r.value}
            </Code>
            <CopyButton value={r.value}>{({ copied, copy }) => <Button size="compact-sm" variant="light" onClick={copy} aria-label={`Copy ${r.label.toLowerCase()}`}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
          </Group>
        </div>
      ))}
      <Group justify="flex-end">
        <Button onClick={onDone}>I have copied it</Button>
      </Group>
    </Stack>
  );
}

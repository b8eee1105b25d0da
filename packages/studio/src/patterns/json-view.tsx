import { Button, Code, CopyButton, Group, ScrollArea, Text } from '@mantine/core';

/** Any value as formatted JSON, copyable: what the API actually returned, for people who want all of it. */
export function JsonView({ value, label = 'JSON', maxHeight = 420 }: { value: unknown; label?: string; maxHeight?: number }) {
  const text = JSON.stringify(value, null, 2);
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <CopyButton value={text}>{({ copied, copy }) => <Button size="compact-xs" variant="subtle" onClick={copy}>{copied ? 'Copied' : 'Copy JSON'}</Button>}</CopyButton>
      </Group>
      <ScrollArea.Autosize mah={maxHeight} type="auto">
        <Code block aria-label={label} tabIndex={0}>
          {text}
        </Code>
      </ScrollArea.Autosize>
    </div>
  );
}

import type { ReactNode } from 'react';
import { SimpleGrid, Text } from '@mantine/core';

/** Labelled values in two columns, as a description list: a resource's settings without its JSON. */
export function FieldGrid({ rows, empty = 'None.' }: { rows: readonly { readonly key?: string; readonly label: string; readonly value: ReactNode }[]; empty?: string }) {
  if (rows.length === 0) return <Text size="sm" c="dimmed">{empty}</Text>;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing="xs" component="dl" style={{ margin: 0 }}>
      {rows.map((r) => (
        <div key={r.key ?? r.label}>
          <Text component="dt" size="xs" c="dimmed" fw={500}>
            {r.label}
          </Text>
          <Text component="dd" size="sm" m={0} style={{ wordBreak: 'break-all' }}>
            {r.value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

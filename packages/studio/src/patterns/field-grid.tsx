import type { ReactNode } from 'react';
import { SimpleGrid, Stack, Text } from '@mantine/core';
import { settingRows } from '../schema/settings.js';

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

/** A settings object (nested objects flattened) as field-grid rows. */
export const fieldRows = (o: object | undefined) => settingRows(o as Record<string, unknown> | undefined).map((r) => ({ key: r.path, label: r.label, value: r.value }));

/** Named items (a job's inputs, outputs, channels), each as its own group of fields under its name. */
export function NamedFieldGroups({ items, nameKey, empty }: { items: readonly Record<string, unknown>[]; nameKey: string; empty: string }) {
  if (items.length === 0) return <Text size="sm" c="dimmed">{empty}</Text>;
  return (
    <Stack gap="sm">
      {items.map((it, i) => {
        const { [nameKey]: name, ...rest } = it;
        return (
          <div key={String(name ?? i)}>
            <Text size="sm" fw={600} mb={4}>
              {String(name ?? `#${i + 1}`)}
            </Text>
            <FieldGrid rows={fieldRows(rest)} />
          </div>
        );
      })}
    </Stack>
  );
}

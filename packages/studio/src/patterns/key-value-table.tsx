import { Table, Text } from '@mantine/core';

/** Name/value pairs (hyperparameters, run params, tags) as a two-column table a person can scan. */
export function KeyValueTable({ rows, label, empty = 'None.' }: { rows: readonly { Key: string; Value: string }[]; label: string; empty?: string }) {
  if (rows.length === 0) return <Text size="sm" c="dimmed">{empty}</Text>;
  return (
    <Table verticalSpacing={4} aria-label={label}>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.Key}>
            <Table.Th scope="row" fw={500}>
              {r.Key}
            </Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{r.Value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

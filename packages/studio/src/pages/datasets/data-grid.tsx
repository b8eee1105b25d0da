import { Badge, Table, Text } from '@mantine/core';
import { ScrollBox } from './scroll-box.js';

export interface GridColumn {
  readonly Name: string;
  readonly Type: string;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  return String(v);
}

/** Rows as a scrollable grid with each column's type under its name; missing values shown as such. */
export function DataGrid({ columns, rows, label, maxHeight = 420 }: { columns: readonly GridColumn[]; rows: readonly (readonly unknown[])[]; label: string; maxHeight?: number }) {
  if (columns.length === 0) return <Text size="sm" c="dimmed">No columns.</Text>;
  return (
    <ScrollBox label={`${label} (scrollable)`} maxHeight={maxHeight} minWidth={Math.min(columns.length * 120, 1600)}>
      <Table striped withTableBorder withColumnBorders verticalSpacing={4} horizontalSpacing="xs" fz="xs" aria-label={label} stickyHeader>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.Name} style={{ whiteSpace: 'nowrap' }}>
                <div>{c.Name}</div>
                <Badge size="xs" variant="light" color="gray" tt="none">
                  {c.Type}
                </Badge>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={i}>
              {columns.map((c, j) => (
                <Table.Td key={c.Name} style={{ whiteSpace: 'nowrap', maxWidth: 280, overflow: 'hidden', textOverflow: 'ellipsis' }}>
                  {r[j] === null || r[j] === undefined ? (
                    <Text span size="xs" c="dimmed" fs="italic">
                      missing
                    </Text>
                  ) : (
                    cell(r[j])
                  )}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

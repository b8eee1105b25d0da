import type { ReactNode } from 'react';
import { Table } from '@mantine/core';
import { formatCell } from '../../schema/format.js';
import { labelFor } from '../../schema/labels.js';

type Row = Readonly<Record<string, unknown>>;

/**
 * A table of API objects (variants, alarms) whose columns are the scalar members the rows carry, in the
 * order the API returned them — no hand-kept column list; `extra` adds computed columns.
 */
export function RowsTable({ rows, label, omit = [], extra = {}, render = {} }: {
  rows: readonly Row[];
  label: string;
  omit?: readonly string[];
  extra?: Readonly<Record<string, (r: Row) => ReactNode>>;
  render?: Readonly<Record<string, (v: unknown, r: Row) => ReactNode>>;
}) {
  const keys: string[] = [];
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (!keys.includes(k) && !omit.includes(k) && (v === null || typeof v !== 'object' || render[k])) keys.push(k);
  return (
    <Table.ScrollContainer minWidth={500}>
      <Table withTableBorder verticalSpacing={4} aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {keys.map((k) => (
              <Table.Th key={k}>{labelFor(k)}</Table.Th>
            ))}
            {Object.keys(extra).map((k) => (
              <Table.Th key={k}>{k}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={i}>
              {keys.map((k) => (
                <Table.Td key={k}>{render[k] ? render[k](r[k], r) : formatCell(r[k])}</Table.Td>
              ))}
              {Object.entries(extra).map(([k, f]) => (
                <Table.Td key={k}>{f(r)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

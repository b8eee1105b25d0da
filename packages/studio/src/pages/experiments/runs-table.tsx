import { Anchor, Checkbox, Table, UnstyledButton } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatNumber } from '../../schema/format.js';
import { runPath, type Run } from './mlflow-data.js';
import { valueOf, type RunColumn } from './run-columns.js';

export interface RunSort {
  readonly id: string;
  readonly desc: boolean;
}

const show = (v: string | number | undefined) => (v === undefined ? '—' : typeof v === 'number' ? formatNumber(v) : v);
// A run name or a date broke at every hyphen and space ("bc-tune-" / "004-" / "5efc1560" on three lines): kept on one line, the table scrolls.
const oneLine = { whiteSpace: 'nowrap' } as const;

/** Runs as a table: name, chosen columns (sortable by the server), a checkbox per run for comparing. */
export function RunsTable({ runs, columns, sort, onSort, selected, onSelect, caption }: {
  runs: readonly Run[];
  columns: readonly RunColumn[];
  sort: RunSort | undefined;
  onSort: (s: RunSort | undefined) => void;
  selected: readonly string[];
  onSelect: (ids: string[]) => void;
  caption: string;
}) {
  const head = (c: RunColumn) => {
    const active = sort?.id === c.id;
    return (
      <Table.Th key={c.id} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
        <UnstyledButton fw={600} fz="sm" onClick={() => onSort(active && !sort.desc ? { id: c.id, desc: true } : active ? undefined : { id: c.id, desc: false })}>
          {c.label} {active ? (sort.desc ? '▼' : '▲') : ''}
        </UnstyledButton>
      </Table.Th>
    );
  };
  const toggle = (id: string) => onSelect(selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id]);
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={caption}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Compare</Table.Th>
            <Table.Th>Run</Table.Th>
            {columns.map(head)}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.Info.RunId}>
              <Table.Td>
                <Checkbox aria-label={`Compare ${r.Info.RunName}`} checked={selected.includes(r.Info.RunId)} onChange={() => toggle(r.Info.RunId)} />
              </Table.Td>
              <Table.Td style={oneLine}>
                <Anchor component={Link} to={runPath(r.Info.RunId)} fw={500}>
                  {r.Info.RunName}
                </Anchor>
              </Table.Td>
              {columns.map((c) => {
                const v = valueOf(r, c);
                return (
                  <Table.Td key={c.id} style={typeof v === 'number' ? { ...oneLine, textAlign: 'right', fontVariantNumeric: 'tabular-nums' } : undefined} title={typeof v === 'number' && c.id !== 'attributes.start_time' && show(v) !== String(v) ? String(v) : undefined}>
                    {c.id === 'attributes.status' && typeof v === 'string' ? <StatusBadge status={v} /> : c.id === 'attributes.start_time' && typeof v === 'number' ? new Date(v).toLocaleString() : show(v)}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Button, Group, NativeSelect, Skeleton, Stack, Table, Text, TextInput, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { getOperation } from '@loam/contracts';
import { loam } from '../api/client.js';
import { abilitiesOf, columnsOf, listShapeOf, sortRows, type ColumnSpec } from '../schema/columns.js';
import type { JsonSchema } from '../schema/fields.js';
import { formatCell, formatTime, timeAgo } from '../schema/format.js';
import { labelFor, nounOf, resourceOf } from '../schema/labels.js';
import { toUserFacingError } from '../schema/problems.js';
import { ErrorAlert } from './error-alert.js';
import { useStatusChanges } from './live-status.js';
import { StatusBadge } from './status-badge.js';

type Row = Record<string, unknown>;

export interface ResourceListProps {
  /** A `kind: 'list'` operation; its output schema gives the rows and columns. */
  readonly operation: string;
  /** Input the page fixes, e.g. `{ UserName }` for a user's access keys. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** Members too long for a table (documents); the detail page shows them. */
  readonly omitColumns?: readonly string[];
  /** Where a row's name links to. */
  readonly linkTo?: (row: Row) => string;
  readonly rowActions?: (row: Row) => ReactNode;
  /** What to say (and offer) when there is nothing yet. */
  readonly empty?: ReactNode;
  /** Poll for live status every this many ms (default 5000 when rows have a status, else off). */
  readonly pollMs?: number;
  readonly caption?: string;
}

function Cell({ col, row, linkTo }: { col: ColumnSpec; row: Row; linkTo: ((row: Row) => string) | undefined }) {
  const v = row[col.key];
  if (col.kind === 'name' && linkTo) {
    return (
      <Anchor component={Link} to={linkTo(row)} fw={500}>
        {String(v)}
      </Anchor>
    );
  }
  if (col.kind === 'status' && typeof v === 'string') return <StatusBadge status={v} />;
  if (col.kind === 'time' && typeof v === 'number') return <span title={formatTime(v)}>{timeAgo(v)}</span>;
  return <>{formatCell(v)}</>;
}

/**
 * A list page section built from a list operation's schemas: columns from the row schema, the
 * server's name filter and page size when its input has them (else filtering the loaded page), page
 * tokens for next/previous, sortable headers, status badges, and polling for live status.
 */
export function ResourceList({ operation, input = {}, omitColumns = [], linkTo, rowActions, empty, pollMs, caption }: ResourceListProps) {
  const op = getOperation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  const shape = listShapeOf(op.output as JsonSchema);
  if (!shape) throw new Error(`${operation}'s output has no list of rows`);
  const can = abilitiesOf(op.input as JsonSchema);
  const columns = useMemo(() => columnsOf(shape.item, omitColumns, resourceOf(operation)), [shape.item, omitColumns, operation]);
  const nameKey = columns.find((c) => c.kind === 'name')?.key ?? columns[0]?.key;
  const statusKey = columns.find((c) => c.kind === 'status')?.key;
  const noun = nounOf(operation);

  const [filter, setFilter] = useState('');
  const [debounced] = useDebouncedValue(filter, 250);
  const [pageSize, setPageSize] = useState(can.pageSize ? Math.min(25, can.pageSize.max) : undefined);
  const [tokens, setTokens] = useState<readonly (string | undefined)[]>([undefined]);
  const [sort, setSort] = useState<{ key: string; desc: boolean } | undefined>();
  const token = tokens[tokens.length - 1];

  const request = {
    ...input,
    ...(can.nameFilter && debounced ? { [can.nameFilter]: debounced } : {}),
    ...(pageSize !== undefined ? { MaxResults: pageSize } : {}),
    ...(token ? { NextToken: token } : {}),
  };
  const q = useQuery({
    queryKey: [operation, request],
    queryFn: ({ signal }) => loam.call(operation, request, { signal }) as Promise<Row>,
    placeholderData: keepPreviousData,
    refetchInterval: pollMs ?? (statusKey ? 5000 : false),
  });
  const page = (q.data?.[shape.itemsKey] as Row[] | undefined) ?? undefined;
  const next = q.data?.NextToken as string | undefined;
  const describe = useCallback((r: Row) => ({ title: `${labelFor(resourceOf(operation))} ${String(r[nameKey ?? ''] ?? '')}`.trim(), ...(linkTo ? { to: linkTo(r) } : {}) }), [operation, nameKey, linkTo]);
  useStatusChanges(page, nameKey, statusKey, describe);

  const rows = useMemo(() => {
    let xs = page ?? [];
    if (!can.nameFilter && debounced) {
      const needle = debounced.toLowerCase();
      xs = xs.filter((r) => columns.some((c) => formatCell(r[c.key]).toLowerCase().includes(needle)));
    }
    return sort ? sortRows(xs, sort.key, sort.desc) : xs;
  }, [page, can.nameFilter, debounced, columns, sort]);

  const restart = () => setTokens([undefined]);
  const headerFor = (c: ColumnSpec) => {
    const active = sort?.key === c.key;
    const dir = active ? (sort.desc ? 'descending' : 'ascending') : 'none';
    return (
      <Table.Th key={c.key} aria-sort={dir}>
        <UnstyledButton onClick={() => setSort(active && !sort.desc ? { key: c.key, desc: true } : active ? undefined : { key: c.key, desc: false })} fw={600} fz="sm">
          {c.label} {active ? (sort.desc ? '▼' : '▲') : ''}
        </UnstyledButton>
      </Table.Th>
    );
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <TextInput
          label={can.nameFilter ? `Filter ${noun} by name` : `Filter ${noun} on this page`}
          placeholder={can.nameFilter ? 'Name contains…' : 'Any column contains…'}
          value={filter}
          onChange={(e) => {
            setFilter(e.currentTarget.value);
            restart();
          }}
          w={280}
        />
        {can.pageSize && (
          <NativeSelect
            label="Rows per page"
            data={['10', '25', '50', '100'].filter((n) => Number(n) <= can.pageSize!.max)}
            value={String(pageSize)}
            onChange={(e) => {
              setPageSize(Number(e.currentTarget.value));
              restart();
            }}
            w={130}
          />
        )}
      </Group>
      {q.error && <ErrorAlert error={toUserFacingError(q.error, { iamAction: op.iamAction })} />}
      {!q.data && q.isPending && <Skeleton height={120} aria-label={`Loading ${noun}`} />}
      {page && rows.length === 0 && (
        <Text c="dimmed" size="sm" role="status">
          {debounced ? `No ${noun} match “${debounced}”.` : (empty ?? `No ${noun} yet.`)}
        </Text>
      )}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-label={caption ?? noun} aria-busy={q.isFetching}>
            <Table.Thead>
              <Table.Tr>
                {columns.map(headerFor)}
                {rowActions && (
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={String(r[nameKey ?? ''] ?? i)}>
                  {columns.map((c) => (
                    <Table.Td key={c.key}>
                      <Cell col={c} row={r} linkTo={linkTo} />
                    </Table.Td>
                  ))}
                  {rowActions && (
                    <Table.Td>
                      <Group gap={6} justify="flex-end" wrap="nowrap">
                        {rowActions(r)}
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {shape.paged && (tokens.length > 1 || next) && (
        <Group justify="flex-end" gap="xs" aria-label="Pages">
          <Text size="sm" c="dimmed">
            Page {tokens.length}
          </Text>
          <Button size="compact-sm" variant="default" disabled={tokens.length <= 1} onClick={() => setTokens((t) => t.slice(0, -1))}>
            Previous
          </Button>
          <Button size="compact-sm" variant="default" disabled={!next} onClick={() => next && setTokens((t) => [...t, next])}>
            Next
          </Button>
        </Group>
      )}
    </Stack>
  );
}

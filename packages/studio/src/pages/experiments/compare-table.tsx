import { Badge, Table, Text } from '@mantine/core';
import type { Run } from './mlflow-data.js';
import { columnOf, valueOf, type ColumnFamily } from './run-columns.js';
import { ScrollBox } from '../datasets/scroll-box.js';

const shown = (v: string | number | undefined) => (v === undefined ? '—' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : v);

/** Whether the runs disagree on a key (a run without it counts as a different value). */
export function differs(runs: readonly Run[], family: ColumnFamily, key: string): boolean {
  return new Set(runs.map((r) => String(valueOf(r, columnOf(family, key)) ?? '\u0000'))).size > 1;
}

/**
 * Params and final metrics side by side, one column per run, as MLflow's compare view: the exact values
 * the curves and parallel coordinates only suggest. Rows where the runs differ are marked.
 */
export function CompareTable({ runs, params, metrics }: { runs: readonly Run[]; params: readonly string[]; metrics: readonly string[] }) {
  const rows = (family: ColumnFamily, keys: readonly string[], title: string) =>
    keys.length === 0
      ? []
      : [
          <Table.Tr key={`${family}-title`}>
            <Table.Th colSpan={runs.length + 1} scope="colgroup">
              <Text size="sm" fw={700}>
                {title}
              </Text>
            </Table.Th>
          </Table.Tr>,
          ...keys.map((k) => {
            const d = differs(runs, family, k);
            return (
              <Table.Tr key={`${family}.${k}`}>
                <Table.Th scope="row" fw={d ? 700 : 500}>
                  {k}
                  {d && (
                    <Badge ml={6} size="xs" color="gray" variant="outline" tt="none">
                      differs
                    </Badge>
                  )}
                </Table.Th>
                {runs.map((r) => (
                  <Table.Td key={r.Info.RunId} style={{ fontVariantNumeric: 'tabular-nums', wordBreak: 'break-all' }}>
                    {shown(valueOf(r, columnOf(family, k)))}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          }),
        ];
  return (
    <ScrollBox label="Parameters and metrics (scrollable)" minWidth={200 + runs.length * 160}>
      <Table withTableBorder withColumnBorders fz="sm" verticalSpacing={4} aria-label="Parameters and metrics of the compared runs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Key</Table.Th>
            {runs.map((r) => (
              <Table.Th key={r.Info.RunId}>{r.Info.RunName}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows('params', params, 'Parameters')}
          {rows('metrics', metrics, 'Metrics (last value)')}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

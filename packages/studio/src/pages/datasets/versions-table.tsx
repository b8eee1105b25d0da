import { useQuery } from '@tanstack/react-query';
import { Code, Skeleton, Table } from '@mantine/core';
import { loam } from '../../api/client.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ScrollBox } from './scroll-box.js';

/** Every immutable version: when, from where, its dialect, size and the Parquet snapshot usable as a training channel. */
export function VersionsTable({ name }: { name: string }) {
  const q = useQuery({ queryKey: ['ListDatasetVersions', name], queryFn: ({ signal }) => loam.ListDatasetVersions({ DatasetName: name }, { signal }) });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error)} />;
  if (!q.data) return <Skeleton height={100} aria-label="Loading versions" />;
  return (
    <ScrollBox label={`Versions of ${name} (scrollable)`} minWidth={800}>
      <Table striped fz="sm" aria-label={`Versions of ${name}`} verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Imported</Table.Th>
            <Table.Th>Source</Table.Th>
            <Table.Th>Format</Table.Th>
            <Table.Th>Rows</Table.Th>
            <Table.Th>Columns</Table.Th>
            <Table.Th>Data (Parquet)</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.data.Versions.map((v) => (
            <Table.Tr key={v.Version}>
              <Table.Td>{v.Version}</Table.Td>
              <Table.Td>{formatTime(v.CreationTime)}</Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{v.SourceUri}</Table.Td>
              <Table.Td>
                {v.Format}
                {v.Compression !== 'none' ? ` (${v.Compression})` : ''}
                {v.Csv ? `, “${v.Csv.Delimiter === '\t' ? '\\t' : v.Csv.Delimiter}”, ${v.Csv.Header ? 'header' : 'no header'}, ${v.Csv.Encoding}` : ''}
              </Table.Td>
              <Table.Td>{v.RowCount.toLocaleString('en')}</Table.Td>
              <Table.Td>{v.Columns.length}</Table.Td>
              <Table.Td>
                <Code>{v.DataUri}</Code>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

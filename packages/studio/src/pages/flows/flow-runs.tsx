import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Code, Skeleton, Table, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { ScrollBox } from '../datasets/scroll-box.js';
import { processingJobPath } from '../jobs/job-paths.js';

/** Run history of one flow, newest first, each with its processing job; polls while a run is in progress. */
export function FlowRuns({ flowName }: { flowName: string }) {
  const q = useQuery({
    queryKey: ['ListFlowRuns', flowName],
    queryFn: ({ signal }) => loam.ListFlowRuns({ FlowName: flowName, MaxResults: 20 }, { signal }),
    refetchInterval: (query) => (query.state.data?.FlowRuns.some((r) => r.Status === 'InProgress' || r.Status === 'Stopping') ? 2000 : false),
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error)} />;
  if (!q.data) return <Skeleton height={80} aria-label="Loading runs" />;
  if (q.data.FlowRuns.length === 0) return <Text size="sm" c="dimmed">No runs yet. Save the flow and run it to write its destinations.</Text>;
  return (
    <ScrollBox label={`Runs of ${flowName} (scrollable)`} minWidth={920}>
      <Table striped fz="sm" verticalSpacing={4} aria-label={`Runs of ${flowName}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Started</Table.Th>
            <Table.Th>Flow version</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Processing job</Table.Th>
            <Table.Th>Duration</Table.Th>
            <Table.Th>Outputs</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.data.FlowRuns.map((r) => (
            <Table.Tr key={r.FlowRunId}>
              <Table.Td>{formatTime(r.CreationTime)}</Table.Td>
              <Table.Td>{r.FlowVersion}</Table.Td>
              <Table.Td>
                <StatusBadge status={r.Status} />
              </Table.Td>
              <Table.Td>
                {r.ProcessingJobName ? (
                  <Anchor component={Link} to={processingJobPath(r.ProcessingJobName)} size="sm">
                    {r.ProcessingJobName}
                  </Anchor>
                ) : (
                  '—'
                )}
              </Table.Td>
              <Table.Td>{r.EndTime !== undefined ? `${(r.EndTime - r.CreationTime).toFixed(1)} s` : '—'}</Table.Td>
              <Table.Td>
                {r.FailureReason && (
                  <Text size="sm" c="red">
                    {r.FailureReason}
                  </Text>
                )}
                {r.Outputs.map((o) => (
                  <div key={o.NodeId}>
                    <Code>{o.S3Uri}</Code> {o.Format}
                    {o.RowCount !== undefined ? `, ${o.RowCount.toLocaleString('en')} rows` : ''}
                  </div>
                ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Table, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';

/** Every approval-status change in a group, newest first: who, when, from what to what, and why. */
export function ApprovalHistory({ group, version }: { group: string; version: unknown }) {
  const q = useQuery({
    queryKey: ['ListModelPackageEvents', group, version],
    queryFn: async ({ signal }) => {
      const events = [];
      let token: string | undefined;
      do {
        const page = await loam.ListModelPackageEvents({ ModelPackageGroupName: group, MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
        events.push(...page.Events);
        token = page.NextToken;
      } while (token);
      return events.reverse();
    },
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:ListModelPackages' })} />;
  if (!q.data || q.data.length === 0) return <Text size="sm" c="dimmed">No approval changes yet.</Text>;
  return (
    <Table verticalSpacing="xs" aria-label={`Approval history of ${group}`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Version</Table.Th>
          <Table.Th>From</Table.Th>
          <Table.Th>To</Table.Th>
          <Table.Th>By</Table.Th>
          <Table.Th>Comment</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {q.data.map((e) => (
          <Table.Tr key={e.EventId}>
            <Table.Td>{formatTime(e.Time)}</Table.Td>
            <Table.Td>{e.ModelPackageVersion ?? '—'}</Table.Td>
            <Table.Td>{e.PreviousApprovalStatus ? <StatusBadge status={e.PreviousApprovalStatus} /> : '—'}</Table.Td>
            <Table.Td>
              <StatusBadge status={e.ModelApprovalStatus} />
            </Table.Td>
            <Table.Td>{e.ChangedBy.UserProfileName ?? e.ChangedBy.IamIdentity?.Arn ?? e.ChangedBy.UserProfileArn ?? "—"}</Table.Td>
            <Table.Td>{e.ApprovalDescription ?? ''}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

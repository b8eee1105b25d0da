import { Code, Group, Table, Text } from '@mantine/core';
import { formatTime } from '../../schema/format.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { ApprovalButton } from './approval-button.js';
import { DeployButton } from './deploy-button.js';
import { whyNotDeployable } from './deploy-gate.js';
import { metricColumns, reportPaths } from './package-metrics.js';

export interface PackageRow {
  readonly ModelPackageArn: string;
  readonly ModelPackageVersion?: number | undefined;
  readonly CreationTime: number;
  readonly ModelApprovalStatus?: string | undefined;
  readonly ModelPackageStatus: string;
  readonly ApprovalDescription?: string | undefined;
  readonly CustomerMetadataProperties?: Readonly<Record<string, string>> | undefined;
  readonly ModelMetrics?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A group's versions, newest first, with approval badges, metrics side by side, approve/reject and deploy
 * (disabled, with the reason, for a version the group's deployment rule refuses; `groupTags` hold that rule).
 */
export function VersionsTable({ group, rows, groupTags, onChange }: { group: string; rows: readonly PackageRow[]; groupTags?: readonly { Key: string; Value: string }[] | undefined; onChange: () => void }) {
  const cols = metricColumns(rows);
  const sorted = [...rows].sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0));
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table striped verticalSpacing="xs" aria-label={`Versions of ${group}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Approval</Table.Th>
            <Table.Th>Created</Table.Th>
            {cols.numbers.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
            {cols.reports.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((p) => {
            const label = `${group} version ${p.ModelPackageVersion ?? ''}`;
            const reports = Object.fromEntries(reportPaths(p.ModelMetrics ?? {}).map((r) => [r.key, r.uri]));
            return (
              <Table.Tr key={p.ModelPackageArn}>
                <Table.Td fw={600}>{p.ModelPackageVersion ?? '—'}</Table.Td>
                <Table.Td>
                  <StatusBadge status={p.ModelApprovalStatus ?? 'PendingManualApproval'} />
                  {p.ApprovalDescription && (
                    <Text size="xs" c="dimmed">
                      {p.ApprovalDescription}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatTime(p.CreationTime)}</Table.Td>
                {cols.numbers.map((c) => (
                  <Table.Td key={c}>{p.CustomerMetadataProperties?.[c] ?? '—'}</Table.Td>
                ))}
                {cols.reports.map((c) => (
                  <Table.Td key={c}>{reports[c] ? <Code>{reports[c]}</Code> : '—'}</Table.Td>
                ))}
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {p.ModelApprovalStatus !== 'Approved' && <ApprovalButton arn={p.ModelPackageArn} label={label} status="Approved" onDone={onChange} />}
                    {p.ModelApprovalStatus !== 'Rejected' && <ApprovalButton arn={p.ModelPackageArn} label={label} status="Rejected" onDone={onChange} />}
                    <DeployButton arn={p.ModelPackageArn} group={group} version={p.ModelPackageVersion} blocked={whyNotDeployable(p.ModelApprovalStatus, group, groupTags)} />
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { Skeleton, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { JobTimes, timeKeys } from '../jobs/job-times.js';
import { ApprovalHistory } from './approval-history.js';
import { RegisterVersion } from './register-version.js';
import { VersionsTable, type PackageRow } from './versions-table.js';

/** One model group: its versions compared side by side, registering a new one, approval actions, deploy, and the approval history. */
export function GroupPage() {
  const { groupName } = useParams({ strict: false }) as { groupName: string };
  const qc = useQueryClient();
  const g = useQuery({ queryKey: ['DescribeModelPackageGroup', groupName], queryFn: ({ signal }) => loam.DescribeModelPackageGroup({ ModelPackageGroupName: groupName }, { signal }) });
  // The group's tags say which versions may deploy (the same query as its Tags panel, so an edit there shows here).
  const groupArn = g.data?.ModelPackageGroupArn ?? '';
  const tags = useQuery({ queryKey: ['ListTags', groupArn], queryFn: ({ signal }) => loam.ListTags({ ResourceArn: groupArn }, { signal }), enabled: groupArn !== '' });
  const list = useQuery({
    queryKey: ['ListModelPackages', groupName],
    queryFn: async ({ signal }) => {
      const arns: string[] = [];
      let token: string | undefined;
      do {
        const page = await loam.ListModelPackages({ ModelPackageGroupName: groupName, MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
        arns.push(...page.ModelPackageSummaryList.map((p) => p.ModelPackageArn));
        token = page.NextToken;
      } while (token);
      return arns;
    },
  });
  const described = useQueries({
    queries: (list.data ?? []).map((arn) => ({ queryKey: ['DescribeModelPackage', arn], queryFn: ({ signal }: { signal: AbortSignal }) => loam.DescribeModelPackage({ ModelPackageName: arn }, { signal }) })),
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['DescribeModelPackage'] });
    void qc.invalidateQueries({ queryKey: ['ListModelPackageEvents', groupName] });
  };
  if (g.error) return <ErrorAlert error={toUserFacingError(g.error, { iamAction: 'sagemaker:DescribeModelPackageGroup' })} />;
  if (!g.data) return <Skeleton height={240} aria-label="Loading model group" />;
  const rows = described.flatMap((d) => (d.data ? [d.data as PackageRow] : []));
  const loading = list.isPending || described.some((d) => d.isPending);
  const error = list.error ?? described.find((d) => d.error)?.error;
  return (
    <ResourceDetail
      kind="Model group"
      name={g.data.ModelPackageGroupName}
      item={{ ...g.data, Arn: g.data.ModelPackageGroupArn }}
      summaryOmit={[...timeKeys(g.data), 'Arn', 'ModelPackageGroupName']}
      actions={<RegisterVersion group={groupName} />}
      sections={[
        { title: 'Times', content: <JobTimes job={g.data} /> },
        {
          title: 'Versions',
          content: error ? (
            <ErrorAlert error={toUserFacingError(error)} />
          ) : loading ? (
            <Skeleton height={120} aria-label="Loading versions" />
          ) : rows.length === 0 ? (
            <Text size="sm" c="dimmed">No versions yet. Register one with the Register version button.</Text>
          ) : (
            <VersionsTable group={groupName} rows={rows} groupTags={tags.data?.Tags} onChange={refresh} />
          ),
        },
        { title: 'Approval history', content: <ApprovalHistory group={groupName} version={rows.map((r) => r.ModelApprovalStatus).join()} /> },
      ]}
    />
  );
}

import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { Skeleton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FailureAlert } from '../../patterns/failure-alert.js';
import { FieldGrid, fieldRows, NamedFieldGroups } from '../../patterns/field-grid.js';
import { KeyValueTable } from '../../patterns/key-value-table.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { JobTimes, timeKeys } from './job-times.js';
import { JobLogs } from './job-logs.js';
import { terminal } from './training-job-detail-page.js';
import { JobActions } from './job-actions.js';

const sectioned = ['ProcessingJobName', 'ProcessingInputs', 'ProcessingOutputConfig', 'ProcessingResources', 'StoppingCondition', 'AppSpecification', 'Environment', 'NetworkConfig', 'ExperimentConfig'];

/** One processing job, live: status, container, inputs and outputs, resources, log, Clone, Stop. */
export function ProcessingJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const q = useQuery({
    queryKey: ['DescribeProcessingJob', jobName],
    queryFn: ({ signal }) => loam.DescribeProcessingJob({ ProcessingJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.ProcessingJobStatus) ? false : 2000),
  });
  const job = q.data;
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeProcessingJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading processing job" />;
  const environment = Object.entries(job.Environment ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return (
    <ResourceDetail
      kind="Processing job"
      name={job.ProcessingJobName}
      item={{ ...job, Arn: job.ProcessingJobArn }}
      banner={job.ProcessingJobStatus === 'Failed' && job.FailureReason ? <FailureAlert kind="processing job" reason={job.FailureReason} /> : undefined}
      summaryOmit={[...timeKeys(job), 'Arn', ...sectioned]}
      jsonFolded
      actions={<JobActions kind="processing" job={job} />}
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        { title: 'Container', content: <FieldGrid rows={fieldRows(job.AppSpecification)} /> },
        { title: 'Inputs', content: <NamedFieldGroups items={(job.ProcessingInputs ?? []) as Record<string, unknown>[]} nameKey="InputName" empty="No inputs." /> },
        { title: 'Outputs', content: <NamedFieldGroups items={(job.ProcessingOutputConfig?.Outputs ?? []) as Record<string, unknown>[]} nameKey="OutputName" empty="No outputs." /> },
        { title: 'Resources', content: <FieldGrid rows={[...fieldRows(job.ProcessingResources), ...fieldRows(job.StoppingCondition), ...fieldRows(job.NetworkConfig)]} /> },
        ...(environment.length > 0 ? [{ title: 'Environment', content: <KeyValueTable rows={environment} label="Environment variables" /> }] : []),
        ...(job.ExperimentConfig ? [{ title: 'Experiment', content: <FieldGrid rows={fieldRows(job.ExperimentConfig)} /> }] : []),
        { title: 'Logs', content: <JobLogs operation="GetProcessingJobLogs" input={{ ProcessingJobName: job.ProcessingJobName }} label={`Log of ${job.ProcessingJobName}`} /> },
      ]}
    />
  );
}

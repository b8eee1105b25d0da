import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { Skeleton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { JsonView } from '../../patterns/json-view.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { JobTimes, timeKeys } from './job-times.js';
import { JobLogs } from './job-logs.js';
import { terminal } from './training-job-detail-page.js';

/** One processing job, live: status, inputs and outputs, log, Stop. */
export function ProcessingJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['DescribeProcessingJob', jobName],
    queryFn: ({ signal }) => loam.DescribeProcessingJob({ ProcessingJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.ProcessingJobStatus) ? false : 2000),
  });
  const job = q.data;
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeProcessingJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading processing job" />;
  return (
    <ResourceDetail
      kind="Processing job"
      name={job.ProcessingJobName}
      item={{ ...job, Arn: job.ProcessingJobArn }}
      summaryOmit={[...timeKeys(job), 'Arn', 'ProcessingJobName']}
      actions={
        <ConfirmButton
          label="Stop"
          disabled={job.ProcessingJobStatus !== 'InProgress'}
          title={`Stop processing job ${job.ProcessingJobName}?`}
          message="Its processes get SIGTERM, then SIGKILL after the grace period."
          iamAction="sagemaker:StopProcessingJob"
          onConfirm={async () => {
            await loam.StopProcessingJob({ ProcessingJobName: job.ProcessingJobName });
            await qc.invalidateQueries({ queryKey: ['DescribeProcessingJob', jobName] });
          }}
        />
      }
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        { title: 'Logs', content: <JobLogs operation="GetProcessingJobLogs" input={{ ProcessingJobName: job.ProcessingJobName }} label={`Log of ${job.ProcessingJobName}`} /> },
        { title: 'Inputs and outputs', content: <JsonView value={{ ProcessingInputs: job.ProcessingInputs ?? [], ProcessingOutputConfig: job.ProcessingOutputConfig ?? {} }} label="Inputs and outputs" /> },
      ]}
    />
  );
}

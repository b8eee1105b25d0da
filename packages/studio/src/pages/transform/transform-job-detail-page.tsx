import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Anchor, Skeleton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { JsonView } from '../../patterns/json-view.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { JobLogs } from '../jobs/job-logs.js';
import { JobTimes, timeKeys } from '../jobs/job-times.js';
import { LineageLink } from '../lineage/lineage-link.js';
import { modelPath } from '../models/model-paths.js';

const terminal = (s: string) => ['Completed', 'Failed', 'Stopped'].includes(s);

/** One transform job, live: status, input and output, the model it ran, its log (followed while running), Stop. */
export function TransformJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const qc = useQueryClient();
  const { notify } = useNotifications();
  const q = useQuery({
    queryKey: ['DescribeTransformJob', jobName],
    queryFn: ({ signal }) => loam.DescribeTransformJob({ TransformJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.TransformJobStatus) ? false : 2000),
  });
  const job = q.data;
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeTransformJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading transform job" />;
  return (
    <ResourceDetail
      kind="Transform job"
      name={job.TransformJobName}
      item={{ ...job, Arn: job.TransformJobArn }}
      summaryOmit={[...timeKeys(job), 'Arn', 'TransformJobName', 'ModelName']}
      lineage={<LineageLink arn={job.TransformJobArn} />}
      actions={
        <ConfirmButton
          label="Stop"
          disabled={job.TransformJobStatus !== 'InProgress'}
          title={`Stop transform job ${job.TransformJobName}?`}
          message="Files already scored keep their output; files in progress are not written."
          iamAction="sagemaker:StopTransformJob"
          onConfirm={async () => {
            await loam.StopTransformJob({ TransformJobName: job.TransformJobName });
            await qc.invalidateQueries({ queryKey: ['DescribeTransformJob', jobName] });
            notify({ title: `Stopping ${job.TransformJobName}`, tone: 'info' });
          }}
        />
      }
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        {
          title: 'Model',
          content: (
            <Anchor component={Link} to={modelPath(job.ModelName)}>
              {job.ModelName}
            </Anchor>
          ),
        },
        { title: 'Input', content: <JsonView value={{ ...job.TransformInput, ...(job.DataProcessing ? { DataProcessing: job.DataProcessing } : {}) }} label="Transform input" /> },
        { title: 'Output', content: <JsonView value={job.TransformOutput ?? {}} label="Transform output" /> },
        // GetTransformJobLogs returns the same log page shape as the training and processing log operations.
        { title: 'Logs', content: <JobLogs operation={'GetTransformJobLogs' as 'GetTrainingJobLogs'} input={{ TransformJobName: job.TransformJobName }} label={`Log of ${job.TransformJobName}`} /> },
      ]}
    />
  );
}

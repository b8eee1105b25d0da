import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Anchor, Skeleton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FailureAlert } from '../../patterns/failure-alert.js';
import { FieldGrid, fieldRows } from '../../patterns/field-grid.js';
import { KeyValueTable } from '../../patterns/key-value-table.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { JobLogs } from '../jobs/job-logs.js';
import { JobTimes, timeKeys } from '../jobs/job-times.js';
import { LineageLink } from '../lineage/lineage-link.js';
import { modelPath } from '../models/model-paths.js';
import { JobActions } from '../jobs/job-actions.js';

const terminal = (s: string) => ['Completed', 'Failed', 'Stopped'].includes(s);

/** Members given their own section below; the summary keeps the rest (status, failure reason, batch strategy, payload limits). */
const sectioned = ['TransformJobName', 'ModelName', 'TransformInput', 'TransformOutput', 'TransformResources', 'DataProcessing', 'Environment', 'ModelClientConfig', 'DataCaptureConfig', 'ExperimentConfig'];

/** One transform job, live: status, input, output, resources, the model it ran, its log (followed while running), Clone, Stop. */
export function TransformJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const q = useQuery({
    queryKey: ['DescribeTransformJob', jobName],
    queryFn: ({ signal }) => loam.DescribeTransformJob({ TransformJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.TransformJobStatus) ? false : 2000),
  });
  const job = q.data;
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeTransformJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading transform job" />;
  const environment = Object.entries(job.Environment ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const more = [
    ...(job.DataCaptureConfig ? [{ title: 'Data capture', content: <FieldGrid rows={fieldRows(job.DataCaptureConfig)} /> }] : []),
    ...(job.ExperimentConfig ? [{ title: 'Experiment', content: <FieldGrid rows={fieldRows(job.ExperimentConfig)} /> }] : []),
  ];
  return (
    <ResourceDetail
      banner={job.TransformJobStatus === 'Failed' && job.FailureReason ? <FailureAlert kind="transform job" reason={job.FailureReason} /> : undefined}
      kind="Transform job"
      name={job.TransformJobName}
      item={{ ...job, Arn: job.TransformJobArn }}
      summaryOmit={[...timeKeys(job), 'Arn', ...sectioned]}
      lineage={<LineageLink arn={job.TransformJobArn} />}
      jsonFolded
      actions={<JobActions kind="transform" job={job} />}
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        {
          title: 'Model',
          content: (
            <FieldGrid
              rows={[
                {
                  label: 'Model name',
                  value: (
                    <Anchor component={Link} to={modelPath(job.ModelName)}>
                      {job.ModelName}
                    </Anchor>
                  ),
                },
                ...fieldRows(job.ModelClientConfig),
              ]}
            />
          ),
        },
        { title: 'Input', content: <FieldGrid rows={[...fieldRows(job.TransformInput), ...fieldRows(job.DataProcessing)]} /> },
        { title: 'Output', content: <FieldGrid rows={fieldRows(job.TransformOutput)} /> },
        { title: 'Resources', content: <FieldGrid rows={fieldRows(job.TransformResources)} /> },
        ...(environment.length > 0 ? [{ title: 'Environment', content: <KeyValueTable rows={environment} label="Environment variables" /> }] : []),
        ...more,
        // GetTransformJobLogs returns the same log page shape as the training and processing log operations.
        { title: 'Logs', content: <JobLogs operation={'GetTransformJobLogs' as 'GetTrainingJobLogs'} input={{ TransformJobName: job.TransformJobName }} label={`Log of ${job.TransformJobName}`} /> },
      ]}
    />
  );
}

import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Anchor, Code, Group, Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FailureAlert } from '../../patterns/failure-alert.js';
import { FieldGrid, fieldRows, NamedFieldGroups } from '../../patterns/field-grid.js';
import { KeyValueTable } from '../../patterns/key-value-table.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { runPath, useRunOfJob } from '../experiments/mlflow-data.js';
import { JobTimes, timeKeys } from './job-times.js';
import { JobLogs } from './job-logs.js';
import { JobMetrics } from './job-metrics.js';
import { StatusTimeline } from './status-timeline.js';
import { JobActions } from './job-actions.js';
import { CreateDialog } from '../models/create-dialog.js';
import { modelPath } from '../models/model-paths.js';
import { modelFromJob } from './model-from-job.js';

export const terminal = (status: string) => ['Completed', 'Failed', 'Stopped'].includes(status);

/** One training job, live: status timeline, log, metric charts, model artifact, its experiment run; Create model once it completed, Clone, Stop. */
export function TrainingJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const q = useQuery({
    queryKey: ['DescribeTrainingJob', jobName],
    queryFn: ({ signal }) => loam.DescribeTrainingJob({ TrainingJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.TrainingJobStatus) ? false : 2000),
  });
  const job = q.data;
  const live = Boolean(job && !terminal(job.TrainingJobStatus));
  const run = useRunOfJob(job?.TrainingJobArn, job?.ExperimentConfig?.ExperimentName, job?.TrainingJobStatus, live);
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeTrainingJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading training job" />;
  const model = job.ModelArtifacts?.S3ModelArtifacts;
  const { MetricDefinitions: _metrics, ...algorithm } = job.AlgorithmSpecification ?? {};
  const environment = Object.entries(job.Environment ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return (
    <ResourceDetail
      kind="Training job"
      banner={job.TrainingJobStatus === 'Failed' && job.FailureReason ? <FailureAlert kind="training job" reason={job.FailureReason} /> : undefined}
      name={job.TrainingJobName}
      item={{ ...job, Arn: job.TrainingJobArn }}
      summaryOmit={[...timeKeys(job), 'Arn', 'TrainingJobName', 'HyperParameters', 'SecondaryStatusTransitions', 'FinalMetricDataList', 'Environment']}
      actions={
        <>
          {/* The next step once a model exists (as on the SageMaker console's job page); the form opens filled in. */}
          {job.TrainingJobStatus === 'Completed' && modelFromJob(job) && (
            <CreateDialog operation="CreateModel" title="Create model" nameKey="ModelName" listOperation="ListModels" pathOf={modelPath} initial={() => modelFromJob(job) ?? {}} />
          )}
          <JobActions kind="training" job={job} />
        </>
      }
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        { title: 'Status timeline', content: <StatusTimeline transitions={job.SecondaryStatusTransitions ?? []} label={`Status transitions of ${job.TrainingJobName}`} /> },
        { title: 'Metrics', content: <JobMetrics final={job.FinalMetricDataList ?? []} run={run.data} live={live} version={job.TrainingJobStatus} /> },
        { title: 'Logs', content: <JobLogs operation="GetTrainingJobLogs" input={{ TrainingJobName: job.TrainingJobName }} label={`Log of ${job.TrainingJobName}`} /> },
        {
          title: 'Model artifact',
          content: model ? (
            <Group gap="xs">
              <Code>{model}</Code>
              {job.TrainingJobStatus !== 'Completed' ? (
                <Text size="sm" c="dimmed">Written when the job ends.</Text>
              ) : run.data ? (
                <Anchor component={Link} to={runPath(run.data.Info.RunId)} size="sm">
                  Browse it in the run’s artifacts (model/)
                </Anchor>
              ) : (
                <Text size="sm">Stored in the artifact store.</Text>
              )}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">No model yet.</Text>
          ),
        },
        { title: 'Hyperparameters', content: <KeyValueTable rows={Object.entries(job.HyperParameters ?? {}).map(([Key, Value]) => ({ Key, Value }))} label="Hyperparameters" empty="None: the algorithm's defaults." /> },
        {
          title: 'Algorithm',
          content: (
            <Stack gap="sm">
              <FieldGrid rows={fieldRows(algorithm)} />
              {(job.AlgorithmSpecification?.MetricDefinitions ?? []).length > 0 && (
                <KeyValueTable rows={(job.AlgorithmSpecification?.MetricDefinitions ?? []).map((m) => ({ Key: m.Name, Value: m.Regex }))} label="Metric definitions" />
              )}
            </Stack>
          ),
        },
        { title: 'Input data', content: <NamedFieldGroups items={(job.InputDataConfig ?? []) as Record<string, unknown>[]} nameKey="ChannelName" empty="No input channels." /> },
        { title: 'Output and resources', content: <FieldGrid rows={[...fieldRows(job.OutputDataConfig), ...fieldRows(job.ResourceConfig), ...fieldRows(job.StoppingCondition)]} /> },
        ...(environment.length > 0 ? [{ title: 'Environment', content: <KeyValueTable rows={environment} label="Environment variables" /> }] : []),
      ]}
    />
  );
}

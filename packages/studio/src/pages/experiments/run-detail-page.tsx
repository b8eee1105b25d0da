import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Anchor, SimpleGrid, Skeleton, Table, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { trainingJobPath } from '../jobs/job-paths.js';
import { ArtifactsBrowser } from './artifacts-browser.js';
import { ExperimentName } from './experiment-crumbs.js';
import { experimentPath, useMetricHistories } from './mlflow-data.js';
import { StepChart } from './step-chart.js';
import { KeyValueTable } from '../../patterns/key-value-table.js';

/** One run: its info, params, tags, a chart per metric over steps, and its artifacts. */
export function RunDetailPage() {
  const { runId } = useParams({ strict: false }) as { runId: string };
  const q = useQuery({
    queryKey: ['GetMlflowRun', runId],
    queryFn: ({ signal }) => loam.GetMlflowRun({ RunId: runId }, { signal }),
    refetchInterval: (query) => (query.state.data?.Run.Info.Status === 'RUNNING' ? 3000 : false),
  });
  const run = q.data?.Run;
  const keys = run ? run.Metrics.map((m) => m.Key).sort() : [];
  const histories = useMetricHistories(keys.map((key) => ({ runId, key })), run?.Info.Status === 'RUNNING');
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:GetMlflowRun' })} />;
  if (!run) return <Skeleton height={240} aria-label="Loading run" />;
  const job = run.Tags.find((t) => t.Key === 'loam.training_job_name')?.Value;
  return (
    <ResourceDetail
      kind="Run"
      name={run.Info.RunName}
      item={{ ...run.Info, StartTime: new Date(run.Info.StartTime).toLocaleString(), ...(run.Info.EndTime !== undefined ? { EndTime: new Date(run.Info.EndTime).toLocaleString() } : {}) }}
      actions={
        <>
          <Anchor component={Link} to={experimentPath(run.Info.ExperimentId)} size="sm">
            Experiment: <ExperimentName experimentId={run.Info.ExperimentId} />
          </Anchor>
          {job && (
            <Anchor component={Link} to={trainingJobPath(job)} size="sm">
              Training job {job}
            </Anchor>
          )}
        </>
      }
      sections={[
        {
          title: 'Metrics',
          content:
            keys.length === 0 ? (
              <Text size="sm" c="dimmed">No metrics logged.</Text>
            ) : (
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                {keys.map((k, i) => (
                  <StepChart key={k} title={k} series={[{ name: 'value', label: k, points: histories[i]?.data?.points ?? [] }]} />
                ))}
              </SimpleGrid>
            ),
        },
        { title: 'Parameters', content: <KeyValueTable rows={run.Params} label="Parameters" /> },
        { title: 'Run tags', content: <KeyValueTable rows={run.Tags} label="Run tags" /> },
        { title: 'Artifacts', content: <ArtifactsBrowser runId={runId} /> },
      ]}
    />
  );
}

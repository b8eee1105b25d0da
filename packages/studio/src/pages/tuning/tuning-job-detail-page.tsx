import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Anchor, Group, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FieldGrid } from '../../patterns/field-grid.js';
import { KeyValueTable } from '../../patterns/key-value-table.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { formatNumber, formatNumeric } from '../../schema/format.js';
import { labelFor } from '../../schema/labels.js';
import { settingRows } from '../../schema/settings.js';
import { ParallelCoordinates } from '../experiments/parallel-coordinates.js';
import { trainingJobPath } from '../jobs/job-paths.js';
import { JobTimes, timeKeys } from '../jobs/job-times.js';
import { LineageLink } from '../lineage/lineage-link.js';
import { completionLines } from './completion.js';
import { ObjectiveChart } from './objective-chart.js';
import { SearchSpace } from './search-space.js';
import { objectiveOf, searchSpaces } from './search-spaces.js';
import { TrialsTable } from './trials-table.js';
import { bestSoFar, type Trial } from './trials.js';
import { JobActions } from '../jobs/job-actions.js';

const terminal = (s: string) => ['Completed', 'Failed', 'Stopped'].includes(s);

function Counters({ counts }: { counts: Readonly<Record<string, number>> }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 5 }} component="dl" style={{ margin: 0 }}>
      {Object.entries(counts).map(([k, v]) => (
        <div key={k}>
          <Text component="dt" size="xs" c="dimmed">
            {labelFor(k)}
          </Text>
          <Text component="dd" size="lg" fw={600} m={0}>
            {v}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** One tuning job, live: trial counters, best job, trials table, objective by trial, parallel coordinates, Stop. */
export function TuningJobDetailPage() {
  const { jobName } = useParams({ strict: false }) as { jobName: string };
  const q = useQuery({
    queryKey: ['DescribeHyperParameterTuningJob', jobName],
    queryFn: ({ signal }) => loam.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: jobName }, { signal }),
    refetchInterval: (query) => (query.state.data && terminal(query.state.data.HyperParameterTuningJobStatus) ? false : 3000),
  });
  const job = q.data;
  const trialsQ = useQuery({
    queryKey: ['ListTrainingJobsForHyperParameterTuningJob', jobName, job?.TrainingJobStatusCounters],
    queryFn: async ({ signal }) => {
      const all: Trial[] = [];
      let token: string | undefined;
      do {
        const page = await loam.ListTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: jobName, MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
        all.push(...(page.TrainingJobSummaries as Trial[]));
        token = page.NextToken;
      } while (token);
      return all;
    },
    enabled: Boolean(job),
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeHyperParameterTuningJob' })} />;
  if (!job) return <Skeleton height={240} aria-label="Loading tuning job" />;
  // A multi-algorithm job (TrainingJobDefinitions) names its objective in each definition, not in its config.
  const objective = objectiveOf(job);
  const metric = objective?.MetricName ?? 'Objective';
  const minimize = objective?.Type !== 'Maximize';
  const trials = trialsQ.data ?? [];
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.TunedHyperParameters)))].sort();
  const best = job.BestTrainingJob;
  // What the job searches, read without the JSON: strategy, objective, limits (completion criteria have their own section), then the ranges.
  const { ParameterRanges: _ranges, TuningJobCompletionCriteria: _criteria, HyperParameterTuningJobObjective: _objective, ...rest } = job.HyperParameterTuningJobConfig as Record<string, unknown>;
  const settings = { ...(objective ? { Objective: `${objective.Type} ${objective.MetricName}` } : {}), ...rest };
  const spaces = searchSpaces(job);
  const rowsOf = (statics: Readonly<Record<string, string>>) => Object.entries(statics).map(([Key, Value]) => ({ Key, Value }));
  const statics = spaces.length === 1 ? rowsOf(spaces[0]!.statics) : [];
  const completion = completionLines(metric, job.HyperParameterTuningJobConfig.TuningJobCompletionCriteria, job.TuningJobCompletionDetails);
  return (
    <ResourceDetail
      kind="Tuning job"
      name={job.HyperParameterTuningJobName}
      item={{ ...job, Arn: job.HyperParameterTuningJobArn }}
      summaryOmit={[...timeKeys(job), 'Arn', 'HyperParameterTuningJobName']}
      // A tuning job is not a lineage vertex itself; its best trial is where data, model and deployments meet.
      lineage={best ? <LineageLink arn={best.TrainingJobArn} /> : <Text size="sm" c="dimmed">Lineage starts at the best trial once one has finished.</Text>}
      actions={<JobActions kind="tuning" job={job} />}
      sections={[
        { title: 'Times', content: <JobTimes job={job} /> },
        { title: 'Training jobs', content: <Counters counts={job.TrainingJobStatusCounters} /> },
        { title: 'Objective status', content: <Counters counts={job.ObjectiveStatusCounters} /> },
        {
          title: 'Search',
          content: (
            <Stack gap="sm">
              <FieldGrid rows={settingRows(settings).map((r) => ({ key: r.path, label: r.label, value: r.value }))} />
              {spaces.length === 1 && <SearchSpace ranges={spaces[0]!.ranges} />}
              {spaces.length > 1 &&
                spaces.map((sp) => (
                  <Stack gap={4} key={sp.label}>
                    <Text size="sm" fw={600}>
                      {sp.label}
                      {sp.objective ? ` · ${sp.objective.Type} ${sp.objective.MetricName}` : ''}
                    </Text>
                    <SearchSpace ranges={sp.ranges} />
                    {Object.keys(sp.statics).length > 0 && <KeyValueTable rows={rowsOf(sp.statics)} label={`Static hyperparameters of ${sp.label}`} />}
                  </Stack>
                ))}
            </Stack>
          ),
        },
        ...(statics.length > 0 ? [{ title: 'Static hyperparameters', content: <KeyValueTable rows={statics} label="Static hyperparameters" /> }] : []),
        ...(completion.length > 0 ? [{ title: 'Completion criteria', content: <>{completion.map((line) => <Text key={line} size="sm">{line}</Text>)}</> }] : []),
        {
          title: 'Best training job',
          content: best ? (
            <Group gap="xs">
              <Anchor component={Link} to={trainingJobPath(best.TrainingJobName)} fw={600}>
                {best.TrainingJobName}
              </Anchor>
              <Text size="sm" title={`${metric} = ${best.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? '—'} (${Object.entries(best.TunedHyperParameters).map(([k, v]) => `${k}=${v}`).join(', ')})`}>
                {metric} = {best.FinalHyperParameterTuningJobObjectiveMetric ? formatNumber(best.FinalHyperParameterTuningJobObjectiveMetric.Value) : '—'} ({Object.entries(best.TunedHyperParameters).map(([k, v]) => `${k}=${formatNumeric(v)}`).join(', ')})
              </Text>
            </Group>
          ) : (
            <Text size="sm" c="dimmed">No trial has finished with an objective yet.</Text>
          ),
        },
        { title: 'Trials', content: trialsQ.error ? <ErrorAlert error={toUserFacingError(trialsQ.error)} /> : <TrialsTable trials={trials} params={params} metric={metric} minimize={minimize} bestName={best?.TrainingJobName} /> },
        { title: `${metric} by trial`, content: <ObjectiveChart points={bestSoFar(trials, minimize)} metric={metric} /> },
        {
          title: 'Hyperparameters against the objective',
          content:
            params.length > 0 ? (
              <ParallelCoordinates
                runs={trials.map((t) => ({ id: t.TrainingJobName, label: t.TrainingJobName, values: { ...t.TunedHyperParameters, [metric]: t.FinalHyperParameterTuningJobObjectiveMetric?.Value } }))}
                params={params}
                metric={metric}
              />
            ) : (
              <Text size="sm" c="dimmed">No trials yet.</Text>
            ),
        },
      ]}
    />
  );
}

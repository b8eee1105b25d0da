import { useMemo, useState } from 'react';
import { useQueries } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { Anchor, Card, NativeSelect, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { toUserFacingError } from '../../schema/problems.js';
import { runPath, useMetricHistories, type Run } from './mlflow-data.js';
import { ParallelCoordinates } from './parallel-coordinates.js';
import { CompareTable, differs } from './compare-table.js';
import { keysOf, valueOf, columnOf } from './run-columns.js';
import { StepChart } from './step-chart.js';

/** Several runs side by side: their params and metrics in a table, each metric's curves overlaid, and the params they differ on against a metric in parallel coordinates. */
export function ComparePage() {
  const { runs: ids = '' } = useSearch({ strict: false }) as { runs?: string };
  const runIds = ids.split(',').filter((x) => /^[0-9a-f]{32}$/.test(x));
  const qs = useQueries({ queries: runIds.map((id) => ({ queryKey: ['GetMlflowRun', id], queryFn: ({ signal }: { signal: AbortSignal }) => loam.GetMlflowRun({ RunId: id }, { signal }) })) });
  const runs = qs.map((q) => q.data?.Run).filter((r): r is Run => Boolean(r));
  const keys = useMemo(() => keysOf(runs), [runs]);
  const [metric, setMetric] = useState<string | undefined>();
  const chosen = metric ?? keys.metrics[0];
  const pairs = keys.metrics.flatMap((key) => runs.map((r) => ({ runId: r.Info.RunId, key })));
  const histories = useMetricHistories(pairs);
  const failed = qs.find((q) => q.error);
  if (runIds.length < 2) return <Text>Pick two or more runs in an experiment’s runs table to compare them.</Text>;
  if (failed) return <ErrorAlert error={toUserFacingError(failed.error, { iamAction: 'sagemaker:GetMlflowRun' })} />;
  if (runs.length < runIds.length) return <Skeleton height={240} aria-label="Loading runs" />;
  const label = (r: Run) => r.Info.RunName;
  // Axes for the params the runs disagree on: a param every run shares is a flat line that says nothing.
  const varying = keys.params.filter((p) => differs(runs, 'params', p));
  const params = varying.length > 0 ? varying : keys.params;
  return (
    <Stack>
      <div>
        <Text size="sm" c="dimmed">
          Comparing {runs.length} runs
        </Text>
        <Title order={1} size="h2">
          {runs.map(label).join(' vs ')}
        </Title>
        <Text size="sm">
          {runs.map((r, i) => (
            <span key={r.Info.RunId}>
              {i > 0 && ' · '}
              <Anchor component={Link} to={runPath(r.Info.RunId)}>
                {label(r)}
              </Anchor>
            </span>
          ))}
        </Text>
      </div>
      <Card withBorder radius="md" component="section" aria-label="Parameters and metrics">
        <Title order={2} size="h4" mb="sm">
          Parameters and metrics
        </Title>
        <CompareTable runs={runs} params={keys.params} metrics={keys.metrics} />
      </Card>
      <Card withBorder radius="md" component="section" aria-label="Metric curves">
        <Title order={2} size="h4" mb="sm">
          Metric curves
        </Title>
        {keys.metrics.length === 0 && <Text size="sm" c="dimmed">These runs have no metrics.</Text>}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {keys.metrics.map((k) => (
            <StepChart
              key={k}
              title={k}
              series={runs.map((r, i) => ({ name: `r${i}`, label: label(r), points: histories.find((h) => h.data?.runId === r.Info.RunId && h.data?.key === k)?.data?.points ?? [] }))}
            />
          ))}
        </SimpleGrid>
      </Card>
      <Card withBorder radius="md" component="section" aria-label="Parameters against a metric">
        <Title order={2} size="h4" mb="sm">
          Parameters against a metric
        </Title>
        {chosen && keys.metrics.length > 0 ? (
          <>
            <NativeSelect label="Metric" data={keys.metrics} value={chosen} onChange={(e) => setMetric(e.currentTarget.value)} w={240} mb="sm" />
            <ParallelCoordinates
              params={params}
              metric={chosen}
              runs={runs.map((r) => ({ id: r.Info.RunId, label: label(r), values: { ...Object.fromEntries(params.map((p) => [p, valueOf(r, columnOf('params', p))])), [chosen]: valueOf(r, columnOf('metrics', chosen)) } }))}
            />
          </>
        ) : (
          <Text size="sm" c="dimmed">No metric to plot against.</Text>
        )}
      </Card>
    </Stack>
  );
}

import { Anchor, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { runPath, useMetricHistories, type Run } from '../experiments/mlflow-data.js';
import { StepChart } from '../experiments/step-chart.js';

interface MetricData {
  readonly MetricName: string;
  readonly Value: number;
}

/**
 * A training job's metrics: the final values the job reported, and a chart per metric from its experiment
 * run's history (points arrive while the job trains).
 */
export function JobMetrics({ final, run, live, version }: { final: readonly MetricData[]; run: Run | null | undefined; live: boolean; version: string }) {
  const keys = run ? run.Metrics.map((m) => m.Key).sort() : [];
  const histories = useMetricHistories(run ? keys.map((key) => ({ runId: run.Info.RunId, key })) : [], live, version);
  return (
    <Stack gap="sm">
      {final.length > 0 && (
        <Table withTableBorder verticalSpacing={4} aria-label="Final metric values" maw={480}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Metric</Table.Th>
              <Table.Th>Final value</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {final.map((m) => (
              <Table.Tr key={m.MetricName}>
                <Table.Td>{m.MetricName}</Table.Td>
                <Table.Td>{m.Value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {run && keys.length > 0 && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {keys.map((k, i) => (
            <StepChart key={k} title={k} series={[{ name: 'value', label: k, points: histories[i]?.data?.points ?? [] }]} />
          ))}
        </SimpleGrid>
      )}
      {run === null && <Text size="sm" c="dimmed">No experiment run recorded for this job yet.</Text>}
      {run && (
        <Text size="sm">
          Experiment run:{' '}
          <Anchor component={Link} to={runPath(run.Info.RunId)}>
            {run.Info.RunName}
          </Anchor>
        </Text>
      )}
      {final.length === 0 && run && keys.length === 0 && <Text size="sm" c="dimmed">No metrics reported yet.</Text>}
    </Stack>
  );
}

import { LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import type { TrialPoint } from './trials.js';

/** The objective each trial reached (dots) and the best so far (a line), by trial number. */
export function ObjectiveChart({ points, metric }: { points: readonly TrialPoint[]; metric: string }) {
  if (!points.some((p) => p.objective !== undefined)) return <Text size="sm" c="dimmed">No trial has reported {metric} yet.</Text>;
  const last = points[points.length - 1];
  return (
    <div role="img" aria-label={`${metric} by trial: ${points.map((p) => `trial ${p.trial} ${p.objective ?? '—'}`).join(', ')}; best so far ${last?.best ?? '—'}`}>
      <LineChart
        h={240}
        data={points.map((p) => ({ ...p }))}
        dataKey="trial"
        series={[
          { name: 'objective', label: metric, color: 'blue.7' },
          { name: 'best', label: 'Best so far', color: 'orange.8' },
        ]}
        curveType="stepAfter"
        connectNulls
        withLegend
        gridAxis="xy"
        xAxisLabel="Trial"
        lineChartProps={{ accessibilityLayer: false }}
      />
    </div>
  );
}

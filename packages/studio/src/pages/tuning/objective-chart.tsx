import { LineChart } from '../../patterns/charts.js';
import { Text } from '@mantine/core';
import { formatNumber } from '../../schema/format.js';
import type { TrialPoint } from './trials.js';

/** The objective each trial reached (dots) and the best so far (a line), by trial number. */
export function ObjectiveChart({ points, metric }: { points: readonly TrialPoint[]; metric: string }) {
  if (!points.some((p) => p.objective !== undefined)) return <Text size="sm" c="dimmed">No trial has reported {metric} yet.</Text>;
  const last = points[points.length - 1];
  return (
    <div role="img" aria-label={`${metric} by trial: ${points.map((p) => `trial ${p.trial} ${p.objective !== undefined ? formatNumber(p.objective) : '—'}`).join(', ')}; best so far ${last?.best !== undefined ? formatNumber(last.best) : '—'}`}>
      <LineChart
        h={240}
        data={points.map((p) => ({ ...p }))}
        dataKey="trial"
        // The best-so-far line first, so each trial's dot is drawn over it rather than hidden under it.
        series={[
          { name: 'best', label: 'Best so far', color: 'orange.8' },
          { name: 'objective', label: metric, color: 'blue.7' },
        ]}
        curveType="stepAfter"
        connectNulls
        dotProps={{ r: 4 }}
        // Each trial's objective is one result, not a value held until the next trial: a dot, no line.
        lineProps={(s) => (s.name === 'objective' ? { strokeWidth: 0, strokeOpacity: 0 } : {})}
        withLegend
        gridAxis="xy"
        // Objectives of a search sit close together (AUC 0.985–0.994): an axis from 0 drew them all as one line at 1.
        yAxisProps={{ domain: ['auto', 'auto'], tickFormatter: (v: number) => formatNumber(v, 4) }}
        valueFormatter={(v) => formatNumber(v)}
        xAxisLabel="Trial"
        lineChartProps={{ accessibilityLayer: false }}
      />
    </div>
  );
}

import { LineChart } from '../../patterns/charts.js';
import { Text } from '@mantine/core';
import { formatNumber } from '../../schema/format.js';
import { numeric, type MetricPoint } from './mlflow-data.js';

const palette = ['teal.8', 'blue.8', 'grape.8', 'orange.8', 'red.8', 'indigo.8', 'lime.9', 'pink.8', 'cyan.8', 'yellow.9'];

export interface StepSeries {
  readonly name: string;
  readonly label: string;
  readonly points: readonly MetricPoint[];
}

/** Rows keyed by step with one column per series, for overlaid curves (several runs or metrics). */
export function byStep(series: readonly StepSeries[]): Record<string, number>[] {
  const rows = new Map<number, Record<string, number>>();
  for (const s of series) {
    for (const p of s.points) {
      const v = numeric(p.Value);
      if (v === undefined) continue;
      const row: Record<string, number> = rows.get(p.Step) ?? { step: p.Step };
      row[s.name] = v;
      rows.set(p.Step, row);
    }
  }
  return [...rows.values()].sort((a, b) => (a.step as number) - (b.step as number));
}

/** A metric over steps; several series overlay, each run or metric in its own colour. */
export function StepChart({ title, series, height = 200 }: { title: string; series: readonly StepSeries[]; height?: number }) {
  const data = byStep(series);
  if (data.length === 0) return <Text size="sm" c="dimmed">No points for {title} yet.</Text>;
  const last = (s: StepSeries) => {
    const p = s.points[s.points.length - 1];
    return p ? String(p.Value) : '—';
  };
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" size="sm" fw={600} mb={4}>
        {title}
      </Text>
      <div role="img" aria-label={`${title} by step: ${series.map((s) => `${s.label} last ${last(s)}`).join(', ')}`}>
        <LineChart
          h={height}
          data={data}
          dataKey="step"
          series={series.map((s, i) => ({ name: s.name, label: s.label, color: palette[i % palette.length]! }))}
          curveType="linear"
          withDots={data.length < 30}
          connectNulls
          withLegend={series.length > 1}
          gridAxis="xy"
          // Scaled to the values, as MLflow's and TensorBoard's charts are: an AUC going 0.97 → 0.999 on an axis from 0 is a flat line.
          yAxisProps={{ domain: ['auto', 'auto'], tickFormatter: (v: number) => formatNumber(v, 4) }}
          valueFormatter={(v) => formatNumber(v)}
          xAxisLabel="Step"
          lineChartProps={{ accessibilityLayer: false }}
        />
      </div>
    </figure>
  );
}

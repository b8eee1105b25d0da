import { LineChart } from './charts.js';
import { Text } from '@mantine/core';

export interface SeriesSpec {
  readonly name: string;
  readonly label: string;
  readonly color: string;
}

/**
 * A time-series line chart for metrics (training loss, endpoint latency, health round trips). Points
 * are `{ t: epoch ms, [series]: number }`; the x axis shows local clock time.
 */
export function TimeSeriesChart({ data, series, unit, label, height = 180 }: { data: readonly Record<string, number>[]; series: readonly SeriesSpec[]; unit?: string; label: string; height?: number }) {
  if (data.length < 2) {
    return (
      <Text size="sm" c="dimmed" h={height}>
        Collecting points…
      </Text>
    );
  }
  const points = data.map((d) => ({ ...d, time: new Date(d.t ?? 0).toLocaleTimeString() }));
  return (
    <div role="img" aria-label={`${label}: ${series.map((s) => `${s.label} latest ${data[data.length - 1]?.[s.name] ?? '—'}${unit ?? ''}`).join(', ')}`}>
      <LineChart
        h={height}
        data={points}
        dataKey="time"
        series={series.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
        curveType="monotone"
        withDots={false}
        unit={unit ?? ''}
        tickLine="y"
        gridAxis="xy"
        withLegend={series.length > 1}
        xAxisProps={{ minTickGap: 40 }}
        lineChartProps={{ accessibilityLayer: false }}
        withTooltip
      />
    </div>
  );
}

import { useMemo, useState } from 'react';
import type { CompositeChartSeries } from '@mantine/charts';
import { CompositeChart } from '../../patterns/charts.js';
import { NativeSelect, Stack, Text } from '@mantine/core';
import { forecastPlots, type ForecastPlot } from './forecast-data.js';

/** Three significant digits, without an exponent for everyday magnitudes (999.6 → "1000"). */
const fmt = (v: number): string => String(Number(v.toPrecision(3)));
const shown = (v: unknown): string => (Array.isArray(v) ? v.map((x) => fmt(Number(x))).join(' – ') : typeof v === 'number' ? fmt(v) : '—');

function describe(plot: ForecastPlot): string {
  const last = plot.points[plot.points.length - 1];
  const parts = [
    ...(plot.hasMean ? [`mean ${shown(last?.mean)}`] : []),
    ...(plot.hasMedian ? [`median ${shown(last?.median)}`] : []),
    ...(plot.band ? [`${plot.band[0]}–${plot.band[1]} quantiles ${shown(last?.band)}`] : []),
  ];
  return `Forecast of instance ${plot.instance}: ${plot.shown} points of history, then ${plot.horizon} forecast; at t+${plot.horizon} ${parts.join(', ')}`;
}

/**
 * DeepAR's answer drawn over the series it forecasts: the end of the observed target, the mean and
 * median forecast, and the band between the lowest and highest quantile asked for (or the 10–90 %
 * of the sample paths). Nothing is drawn for an answer of another shape.
 */
export function ForecastChart({ request, answer }: { request: string; answer: string }) {
  const plots = useMemo(() => forecastPlots(request, answer), [request, answer]);
  const [picked, setPicked] = useState(0);
  if (!plots) return null;
  const index = Math.min(picked, plots.length - 1);
  const plot = plots[index] as ForecastPlot;
  const series: CompositeChartSeries[] = [
    ...(plot.band ? [{ name: 'band', type: 'area' as const, label: `Quantiles ${plot.band[0]}–${plot.band[1]}`, color: 'blue.4' }] : []),
    { name: 'observed', type: 'line', label: 'Observed', color: 'gray.7' },
    ...(plot.hasMedian ? [{ name: 'median', type: 'line' as const, label: 'Median', color: 'grape.7', strokeDasharray: '5 3' }] : []),
    ...(plot.hasMean ? [{ name: 'mean', type: 'line' as const, label: 'Mean', color: 'blue.7' }] : []),
  ];
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        Forecast
      </Text>
      {plots.length > 1 && (
        <NativeSelect label="Instance" w={200} data={plots.map((p, i) => ({ value: String(i), label: `Instance ${p.instance}` }))} value={String(index)} onChange={(e) => setPicked(Number(e.currentTarget.value))} />
      )}
      <div role="img" aria-label={describe(plot)}>
        <CompositeChart
          h={240}
          data={[...plot.points]}
          dataKey="label"
          series={series}
          curveType="linear"
          withDots={false}
          connectNulls={false}
          withLegend
          referenceLines={[{ x: 't', label: 'last observed', color: 'gray.5' }]}
          valueFormatter={(v) => shown(v)}
          xAxisProps={{ minTickGap: 30 }}
          yAxisProps={{ domain: ['auto', 'auto'] }}
          composedChartProps={{ accessibilityLayer: false }}
          withTooltip
        />
      </div>
    </Stack>
  );
}

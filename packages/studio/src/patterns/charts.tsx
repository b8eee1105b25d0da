import { lazy, Suspense, type Attributes, type ComponentType, type ReactNode } from 'react';
import { Skeleton, Text } from '@mantine/core';
import type { BarChartProps, CompositeChartProps, LineChartProps } from '@mantine/charts';
import { LoadFailed } from './load-failed.js';

/*
 * Mantine's charts, loaded when a chart is first shown. They are Recharts underneath, which with its
 * dependencies (d3, Redux, Immer, decimal.js) is most of Studio's code: imported directly anywhere, it lands in
 * the bundle every page loads first, so signing in parses it before Home can show. Pages import charts from
 * here, never from '@mantine/charts'.
 */
const charts = () => import('@mantine/charts');

function deferred<P extends { h?: unknown }>(load: () => Promise<ComponentType<P>>): (props: P) => ReactNode {
  const Chart = lazy(async () => ({ default: await load() }));
  return function DeferredChart(props: P) {
    const h = typeof props.h === 'number' ? props.h : 160;
    // The chart's own height while it loads, so the page does not jump when it appears; still, so a check that waits
    // for animations to end (the browser tests' axe check) does not wait on it.
    // A chart that cannot be shown says why in its place; the rest of the page stays (it gave way to the route's
    // 'Something went wrong' for one chart).
    return (
      <LoadFailed
        failed={(error) => (
          <Text size="sm" c="red.8" mih={h} data-chart-failed="">
            This chart could not be shown ({error.message}). If Loam was updated since this page opened, reload the page.
          </Text>
        )}
      >
        <Suspense fallback={<Skeleton h={h} animate={false} aria-label="Loading chart" />}>
          <Chart {...(props as P & Attributes)} />
        </Suspense>
      </LoadFailed>
    );
  };
}

export const LineChart = deferred<LineChartProps>(async () => (await charts()).LineChart as ComponentType<LineChartProps>);
export const BarChart = deferred<BarChartProps>(async () => (await charts()).BarChart as ComponentType<BarChartProps>);
export const CompositeChart = deferred<CompositeChartProps>(async () => (await charts()).CompositeChart as ComponentType<CompositeChartProps>);

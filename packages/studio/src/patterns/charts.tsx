import { Component, lazy, Suspense, type Attributes, type ComponentType, type ReactNode } from 'react';
import { Skeleton, Text } from '@mantine/core';
import type { BarChartProps, CompositeChartProps, LineChartProps } from '@mantine/charts';

/*
 * Mantine's charts, loaded when a chart is first shown. They are Recharts underneath, which with its
 * dependencies (d3, Redux, Immer, decimal.js) is most of Studio's code: imported directly anywhere, it lands in
 * the bundle every page loads first, so signing in parses it before Home can show. Pages import charts from
 * here, never from '@mantine/charts'.
 */
const charts = () => import('@mantine/charts');

/**
 * In the chart's place, what stopped it: most often its code is gone from the server (Loam was upgraded while this
 * tab was open, and the old build's chunk answers 404), which a reload mends. Without it the error reached the
 * route, and the whole page gave way to 'Something went wrong' for one chart.
 */
class ChartFailed extends Component<{ readonly h: number; readonly children: ReactNode }, { readonly error?: Error }> {
  override state: { readonly error?: Error } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Text size="sm" c="red.8" mih={this.props.h} data-chart-failed="">
        This chart could not be shown ({error.message}). If Loam was updated since this page opened, reload the page.
      </Text>
    );
  }
}

function deferred<P extends { h?: unknown }>(load: () => Promise<ComponentType<P>>): (props: P) => ReactNode {
  const Chart = lazy(async () => ({ default: await load() }));
  return function DeferredChart(props: P) {
    const h = typeof props.h === 'number' ? props.h : 160;
    // The chart's own height while it loads, so the page does not jump when it appears; still, so a check that waits
    // for animations to end (the browser tests' axe check) does not wait on it.
    return (
      <ChartFailed h={h}>
        <Suspense fallback={<Skeleton h={h} animate={false} aria-label="Loading chart" />}>
          <Chart {...(props as P & Attributes)} />
        </Suspense>
      </ChartFailed>
    );
  };
}

export const LineChart = deferred<LineChartProps>(async () => (await charts()).LineChart as ComponentType<LineChartProps>);
export const BarChart = deferred<BarChartProps>(async () => (await charts()).BarChart as ComponentType<BarChartProps>);
export const CompositeChart = deferred<CompositeChartProps>(async () => (await charts()).CompositeChart as ComponentType<CompositeChartProps>);

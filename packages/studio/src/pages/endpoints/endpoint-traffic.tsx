import { useQuery } from '@tanstack/react-query';
import { SimpleGrid, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { TimeSeriesChart } from '../../patterns/time-series-chart.js';
import { toUserFacingError } from '../../schema/problems.js';
import { chartRows } from './metric-points.js';

const palette = ['teal.8', 'blue.8', 'grape.8', 'orange.8', 'cyan.8', 'indigo.8'];
const windowSeconds = 120;

/** Live invocations per variant and model latency (avg, p99), polled every second from GetEndpointMetrics while `live`. */
export function EndpointTraffic({ endpointName, live = true }: { endpointName: string; live?: boolean }) {
  const q = useQuery({
    queryKey: ['GetEndpointMetrics', endpointName],
    queryFn: ({ signal }) => loam.GetEndpointMetrics({ EndpointName: endpointName, StartTime: Math.floor(Date.now() / 1000) - windowSeconds }, { signal }),
    refetchInterval: 1000,
    enabled: live,
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeEndpoint' })} />;
  const variants = q.data?.Variants ?? [];
  const { traffic, latency } = chartRows(variants);
  const total = traffic.reduce((a, r) => a + variants.reduce((b, v) => b + (r[v.VariantName] ?? 0), 0), 0);
  return (
    <Stack gap="xs">
      <Text size="sm" data-testid="invocation-total">
        {total} invocations in the last {windowSeconds / 60} minutes
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TimeSeriesChart
          label="Invocations per second"
          data={traffic}
          series={[
            ...variants.map((v, i) => ({ name: v.VariantName, label: `${v.VariantName} invocations`, color: palette[i % palette.length]! })),
            { name: 'errors4xx', label: '4xx errors', color: 'yellow.9' },
            { name: 'errors5xx', label: '5xx errors', color: 'red.8' },
          ]}
        />
        {latency.length < 2 ? (
          <Text size="sm" c="dimmed">
            Model latency appears once the endpoint has answered requests in two different seconds.
          </Text>
        ) : (
          <TimeSeriesChart
            label="Model latency"
            unit=" ms"
            data={latency}
            series={[
              { name: 'avg', label: 'Average', color: 'blue.8' },
              { name: 'p99', label: 'p99', color: 'grape.8' },
            ]}
          />
        )}
      </SimpleGrid>
    </Stack>
  );
}

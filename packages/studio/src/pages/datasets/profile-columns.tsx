import { BarChart } from '../../patterns/charts.js';
import { Badge, Card, Group, SimpleGrid, Text } from '@mantine/core';
import { short, type ColumnProfile } from './profile-types.js';

/** A histogram (numbers) or top values (everything else) as a small bar chart with a text alternative. */
function Distribution({ c }: { c: ColumnProfile }) {
  const data = c.Histogram?.length
    ? c.Histogram.map((b) => ({ bucket: `${short(b.Low)}–${short(b.High)}`, Count: b.Count }))
    : (c.TopValues ?? []).slice(0, 10).map((t) => ({ bucket: t.Value === null ? '(missing)' : String(t.Value), Count: t.Count }));
  if (data.length === 0) return <Text size="xs" c="dimmed">No values.</Text>;
  const what = c.Histogram?.length ? 'Histogram' : 'Top values';
  const alt = `${what} of ${c.Name}: ${data.map((d) => `${d.bucket} ${d.Count}`).join(', ')}`;
  return (
    <div role="img" aria-label={alt}>
      <BarChart
        h={130}
        data={data}
        dataKey="bucket"
        series={[{ name: 'Count', color: c.Histogram?.length ? 'blue.6' : 'teal.6' }]}
        withTooltip
        tickLine="none"
        gridAxis="y"
        xAxisProps={{ hide: data.length > 6 && !!c.Histogram?.length, interval: 0, tick: { fontSize: 10 } }}
        yAxisProps={{ width: 40, tick: { fontSize: 10 } }}
        barChartProps={{ accessibilityLayer: false }}
      />
    </div>
  );
}

function Stat({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500}>
        {short(value)}
      </Text>
    </div>
  );
}

/** One card per column: kind, missing, distinct, summary statistics and its distribution. */
export function ColumnCards({ columns }: { columns: readonly ColumnProfile[] }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
      {columns.map((c) => (
        <Card key={c.Name} withBorder radius="md" padding="sm" component="article" aria-label={`Column ${c.Name}`}>
          <Group justify="space-between" mb={4} wrap="nowrap">
            <Text fw={600} size="sm" style={{ wordBreak: 'break-all' }}>
              {c.Name}
            </Text>
            <Group gap={4} wrap="nowrap">
              <Badge size="xs" variant="light" tt="none">
                {c.Kind}
              </Badge>
              <Badge size="xs" variant="outline" color="gray" tt="none">
                {c.Type}
              </Badge>
            </Group>
          </Group>
          <SimpleGrid cols={4} spacing={4} mb={6}>
            <Stat label="Missing" value={`${c.Missing} (${(100 * c.MissingRatio).toFixed(1)} %)`} />
            <Stat label="Distinct" value={c.Distinct} />
            {c.Kind === 'numeric' ? <Stat label="Mean" value={c.Mean} /> : <Stat label="Min" value={c.Min} />}
            {c.Kind === 'numeric' ? <Stat label="Std" value={c.Std} /> : <Stat label="Max" value={c.Max} />}
          </SimpleGrid>
          {c.Quantiles && (
            <Text size="xs" c="dimmed" mb={4}>
              min {short(c.Min)} · p25 {short(c.Quantiles.P25)} · median {short(c.Quantiles.P50)} · p75 {short(c.Quantiles.P75)} · max {short(c.Max)}
              {c.Outliers !== undefined ? ` · ${c.Outliers} outliers` : ''}
            </Text>
          )}
          <Distribution c={c} />
        </Card>
      ))}
    </SimpleGrid>
  );
}

import { BarChart } from '../../patterns/charts.js';
import { Badge, Group, Table, Text } from '@mantine/core';
import { short, type DatasetProfile } from './profile-types.js';
import { ScrollBox } from './scroll-box.js';

/** Missing share per column as bars, so the worst columns stand out. */
export function MissingChart({ p }: { p: DatasetProfile }) {
  const data = p.Columns.map((c) => ({ column: c.Name, 'Missing %': Math.round(1000 * c.MissingRatio) / 10 }));
  const any = data.filter((d) => d['Missing %'] > 0);
  // A chart of empty bars says nothing (and its column names collide): say it in words.
  if (any.length === 0) {
    return (
      <Text size="sm" role="img" aria-label="Missing values: none in any column">
        No missing values in any of the {data.length} columns.
      </Text>
    );
  }
  return (
    <div role="img" aria-label={`Missing values: ${any.length === 0 ? 'none in any column' : any.map((d) => `${d.column} ${d['Missing %']} %`).join(', ')}`}>
      <BarChart h={160} data={data} dataKey="column" series={[{ name: 'Missing %', color: 'orange.6' }]} unit=" %" withTooltip tickLine="none" gridAxis="y" yAxisProps={{ domain: [0, 100], width: 50 }} xAxisProps={{ interval: 0, tick: { fontSize: 10 }, angle: data.length > 8 ? -35 : 0, textAnchor: data.length > 8 ? 'end' : 'middle', height: data.length > 8 ? 70 : 30 }} barChartProps={{ accessibilityLayer: false }} />
    </div>
  );
}

/** Pearson correlations as a heatmap table: blue for positive, red for negative, the value in each cell. */
export function CorrelationHeatmap({ p }: { p: DatasetProfile }) {
  const cols = p.Correlations.Columns;
  if (cols.length < 2) return <Text size="sm" c="dimmed">Fewer than two numeric columns: no correlations.</Text>;
  // Opaque tints mixed with white (at most 60 %), so black text stays readable on every cell in either theme.
  const mix = (c: readonly number[], r: number) => `rgb(${c.map((x) => Math.round(255 - (255 - x) * Math.abs(r) * 0.6)).join(', ')})`;
  const bg = (r: number | null) => (r === null ? undefined : mix(r >= 0 ? [34, 102, 204] : [204, 51, 51], r));
  return (
    <ScrollBox label="Correlations (scrollable)" minWidth={cols.length * 70 + 120}>
      <Table withTableBorder withColumnBorders fz="xs" verticalSpacing={4} aria-label="Correlation matrix (Pearson)">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Column</Table.Th>
            {cols.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {cols.map((row, i) => (
            <Table.Tr key={row}>
              <Table.Th scope="row">{row}</Table.Th>
              {cols.map((col, j) => {
                const r = p.Correlations.Pearson[i]?.[j] ?? null;
                return (
                  <Table.Td key={col} style={{ background: bg(r), color: r === null ? undefined : '#000', textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
                    {r === null ? '—' : r.toFixed(2)}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

/** Duplicates and outliers (IQR rule) in one table. */
export function QualityTable({ p }: { p: DatasetProfile }) {
  const numeric = p.Columns.filter((c) => c.Outliers !== undefined);
  return (
    <Table fz="sm" aria-label="Duplicates and outliers" verticalSpacing={4}>
      <Table.Tbody>
        <Table.Tr>
          <Table.Th scope="row">Duplicate rows</Table.Th>
          <Table.Td>
            {short(p.DuplicateRows)} of {short(p.RowCount)} ({p.RowCount ? ((100 * p.DuplicateRows) / p.RowCount).toFixed(1) : '0'} %)
          </Table.Td>
        </Table.Tr>
        {numeric.map((c) => (
          <Table.Tr key={c.Name}>
            <Table.Th scope="row">Outliers in {c.Name}</Table.Th>
            <Table.Td>{short(c.Outliers)} outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR]</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Target leakage: columns that predict the target suspiciously well on their own. */
export function LeakageTable({ p }: { p: DatasetProfile }) {
  const rows = p.TargetLeakage ?? [];
  if (rows.length === 0) return <Text size="sm" c="dimmed">No other columns to check.</Text>;
  return (
    <Table fz="sm" aria-label={`Target leakage against ${p.TargetColumn ?? ''}`} verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Column</Table.Th>
          <Table.Th>Score</Table.Th>
          <Table.Th>Metric</Table.Th>
          <Table.Th>Verdict</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {[...rows].sort((a, b) => b.Score - a.Score).map((l) => (
          <Table.Tr key={l.Column}>
            <Table.Td>{l.Column}</Table.Td>
            <Table.Td>{short(l.Score)}</Table.Td>
            <Table.Td>{l.Metric}</Table.Td>
            <Table.Td>{l.Suspicious ? <Badge color="red">Suspicious</Badge> : <Badge color="gray" variant="light">OK</Badge>}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Room for the longest feature name (about 6.5 px a character at 11 px), so every bar keeps its label. */
export function labelWidth(names: readonly string[]): number {
  return Math.min(260, Math.max(60, Math.ceil(Math.max(0, ...names.map((n) => n.length)) * 6.5) + 12));
}

/** The quick model's held-out score and its feature importance as horizontal bars. */
export function QuickModel({ p }: { p: DatasetProfile }) {
  const m = p.QuickModel;
  if (!m) return <Text size="sm" c="dimmed">Choose a target and tick “Train a quick model”.</Text>;
  const data = m.FeatureImportance.slice(0, 15).map((f) => ({ feature: f.Feature, Importance: Number(f.Importance.toPrecision(3)) }));
  return (
    <div>
      <Group gap="lg" mb="sm">
        <Text size="sm">
          {m.Problem}: held-out {m.Metric}{' '}
          <Text span fw={700} data-testid="quick-model-score">
            {m.HeldOutScore.toFixed(3)}
          </Text>
        </Text>
        <Text size="sm" c="dimmed">
          trained on {short(m.TrainRows)} rows, tested on {short(m.TestRows)}
        </Text>
      </Group>
      <div role="img" aria-label={`Feature importance: ${data.map((d) => `${d.feature} ${d.Importance}`).join(', ')}`}>
        <BarChart h={Math.max(120, data.length * 26)} data={data} dataKey="feature" orientation="vertical" series={[{ name: 'Importance', color: 'grape.6' }]} withTooltip gridAxis="x" yAxisProps={{ width: labelWidth(data.map((d) => d.feature)), interval: 0, tick: { fontSize: 11 } }} barChartProps={{ accessibilityLayer: false }} />
      </div>
    </div>
  );
}

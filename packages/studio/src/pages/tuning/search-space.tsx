import { Table, Text } from '@mantine/core';

interface Ranges {
  readonly IntegerParameterRanges?: readonly { Name: string; MinValue: string; MaxValue: string; ScalingType?: string }[];
  readonly ContinuousParameterRanges?: readonly { Name: string; MinValue: string; MaxValue: string; ScalingType?: string }[];
  readonly CategoricalParameterRanges?: readonly { Name: string; Values: readonly string[] }[];
  readonly AutoParameters?: readonly { Name: string; ValueHint: string }[];
}

/** The hyperparameters a tuning job searches: one row per range with its kind, bounds or values, and scaling. */
export function SearchSpace({ ranges }: { ranges: Ranges | undefined }) {
  const rows = [
    ...(ranges?.IntegerParameterRanges ?? []).map((r) => ({ name: r.Name, kind: 'Integer', values: `${r.MinValue} – ${r.MaxValue}`, scaling: r.ScalingType ?? 'Auto' })),
    ...(ranges?.ContinuousParameterRanges ?? []).map((r) => ({ name: r.Name, kind: 'Continuous', values: `${r.MinValue} – ${r.MaxValue}`, scaling: r.ScalingType ?? 'Auto' })),
    ...(ranges?.CategoricalParameterRanges ?? []).map((r) => ({ name: r.Name, kind: 'Categorical', values: r.Values.join(', '), scaling: '—' })),
    ...(ranges?.AutoParameters ?? []).map((r) => ({ name: r.Name, kind: 'Automatic', values: `hint: ${r.ValueHint}`, scaling: '—' })),
  ];
  if (rows.length === 0) return <Text size="sm" c="dimmed">No parameter ranges.</Text>;
  return (
    <Table verticalSpacing={4} aria-label="Hyperparameter ranges">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Hyperparameter</Table.Th>
          <Table.Th>Type</Table.Th>
          <Table.Th>Range or values</Table.Th>
          <Table.Th>Scaling</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.name}>
            <Table.Th scope="row" fw={500}>
              {r.name}
            </Table.Th>
            <Table.Td>{r.kind}</Table.Td>
            <Table.Td>{r.values}</Table.Td>
            <Table.Td>{r.scaling}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

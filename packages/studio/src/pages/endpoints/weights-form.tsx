import { useState, type FormEvent } from 'react';
import { Button, Group, NumberInput, Stack, Table, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';

interface Variant {
  readonly VariantName: string;
  readonly CurrentWeight?: number;
  readonly CurrentInstanceCount?: number;
}

/** UpdateEndpointWeightsAndCapacities: each variant's weight and instance count, changed in place without a new deployment. */
export function WeightsForm({ endpointName, variants, onDone, onCancel }: { endpointName: string; variants: readonly Variant[]; onDone: () => void; onCancel: () => void }) {
  const [rows, setRows] = useState(() => variants.map((v) => ({ name: v.VariantName, weight: v.CurrentWeight ?? 1, count: v.CurrentInstanceCount ?? 1 })));
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (i: number, patch: Partial<{ weight: number; count: number }>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await loam.UpdateEndpointWeightsAndCapacities({ EndpointName: endpointName, DesiredWeightsAndCapacities: rows.map((r) => ({ VariantName: r.name, DesiredWeight: r.weight, DesiredInstanceCount: r.count })) });
      onDone();
    } catch (err) {
      setFailure(toUserFacingError(err, { iamAction: 'sagemaker:UpdateEndpointWeightsAndCapacities' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Traffic goes to each variant in proportion to its weight. Instances start or drain in place; no new deployment.
        </Text>
        {failure && <ErrorAlert error={failure} onClose={() => setFailure(undefined)} />}
        <Table withTableBorder aria-label="Desired weights and instance counts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Variant</Table.Th>
              <Table.Th>Weight</Table.Th>
              <Table.Th>Instances</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r, i) => (
              <Table.Tr key={r.name}>
                <Table.Td>{r.name}</Table.Td>
                <Table.Td>
                  <NumberInput aria-label={`Weight of ${r.name}`} min={0} decimalScale={3} value={r.weight} onChange={(v) => set(i, { weight: Number(v) || 0 })} />
                </Table.Td>
                <Table.Td>
                  <NumberInput aria-label={`Instance count of ${r.name}`} min={0} allowDecimal={false} value={r.count} onChange={(v) => set(i, { count: Number(v) || 0 })} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Apply
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

import { Group, Progress, Stack, Text } from '@mantine/core';
import { formatTime } from '../../schema/format.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { RowsTable } from './rows-table.js';

interface VariantSummary {
  readonly VariantName: string;
  readonly CurrentWeight?: number;
  readonly DesiredWeight?: number;
  readonly VariantStatus?: readonly { readonly Status: string; readonly StatusMessage?: string }[];
}

const weightOf = (vs: readonly VariantSummary[] | undefined) => (vs ?? []).reduce((a, v) => a + (v.CurrentWeight ?? 0), 0);

/** A blue/green deployment in flight: the share of traffic already on the new fleet and each new variant's state. */
export function RolloutProgress({ pending, current, status }: { pending: { EndpointConfigName: string; StartTime?: number; ProductionVariants?: readonly VariantSummary[] }; current: readonly VariantSummary[] | undefined; status: string }) {
  const green = weightOf(pending.ProductionVariants);
  const total = green + weightOf(current);
  const pct = total > 0 ? Math.round((green / total) * 100) : 0;
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <StatusBadge status={status} />
        <Text size="sm">
          Moving to <b>{pending.EndpointConfigName}</b>
          {pending.StartTime ? ` since ${formatTime(pending.StartTime)}` : ''}
        </Text>
      </Group>
      <Text size="sm" id="rollout-share">
        {pct}% of traffic on the new fleet
      </Text>
      <Progress value={pct} size="lg" aria-labelledby="rollout-share" color={status === 'RollingBack' ? 'red' : 'blue'} animated={pct < 100} />
      <RowsTable
        rows={(pending.ProductionVariants ?? []) as unknown as readonly Record<string, unknown>[]}
        label="New fleet variants"
        render={{ VariantStatus: (v) => (v as VariantSummary['VariantStatus'] ?? []).map((s) => <StatusBadge key={s.Status} status={s.Status} />) }}
      />
    </Stack>
  );
}

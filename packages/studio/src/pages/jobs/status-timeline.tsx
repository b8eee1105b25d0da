import { Text, Timeline } from '@mantine/core';
import { formatTime } from '../../schema/format.js';
import { StatusBadge } from '../../patterns/status-badge.js';

export interface Transition {
  readonly Status: string;
  readonly StartTime: number;
  readonly EndTime?: number;
  readonly StatusMessage?: string;
}

const seconds = (a: number, b: number) => `${Math.max(0, Math.round(b - a))} s`;

/** SecondaryStatusTransitions as a vertical timeline: each step, when it started, how long it took, what it said. */
export function StatusTimeline({ transitions, label }: { transitions: readonly Transition[]; label: string }) {
  if (transitions.length === 0) return <Text size="sm" c="dimmed">No status transitions yet.</Text>;
  const active = transitions.findIndex((t) => t.EndTime === undefined);
  return (
    <Timeline active={active === -1 ? transitions.length - 1 : active} bulletSize={14} lineWidth={2} aria-label={label}>
      {transitions.map((t) => (
        <Timeline.Item key={`${t.Status}-${t.StartTime}`} title={<StatusBadge status={t.Status} />}>
          <Text size="xs" c="dimmed">
            {formatTime(t.StartTime)}
            {t.EndTime !== undefined ? ` · ${seconds(t.StartTime, t.EndTime)}` : ' · now'}
          </Text>
          {t.StatusMessage && <Text size="sm">{t.StatusMessage}</Text>}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

import { Badge } from '@mantine/core';
import { statusTone, type StatusTone } from '../schema/format.js';

const colors: Readonly<Record<StatusTone, string>> = { good: 'teal', busy: 'blue', bad: 'red', idle: 'gray', neutral: 'grape' };

/** A status word in the colour every list uses for it (green Active, red Failed, blue in progress…). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={colors[statusTone(status)]} variant="light" radius="sm" tt="none">
      {status}
    </Badge>
  );
}

import { Badge } from '@mantine/core';
import { statusTone, type StatusTone } from '../schema/format.js';

const colors: Readonly<Record<StatusTone, string>> = { good: 'teal', busy: 'blue', bad: 'red', idle: 'gray', neutral: 'grape' };

// Mantine cuts a badge's label with an ellipsis when its column is narrow ("FI…", "Complet…"): a status
// is one or two words and must be read whole, so the badge never shrinks below its text.
const whole = { root: { minWidth: 'max-content', flexShrink: 0, overflow: 'visible' }, label: { overflow: 'visible', textOverflow: 'clip' } } as const;

/** A status word in the colour every list uses for it (green Active, red Failed, blue in progress…), never truncated. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={colors[statusTone(status)]} variant="light" radius="sm" tt="none" styles={whole}>
      {status}
    </Badge>
  );
}

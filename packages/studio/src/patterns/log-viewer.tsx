import { useEffect, useRef, useState } from 'react';
import { Box, Button, Group, Switch, Text } from '@mantine/core';

export interface LogLine {
  readonly id: string | number;
  readonly at: number;
  readonly text: string;
  readonly level?: 'info' | 'warn' | 'error';
}


/**
 * A log pane for job output and activity. In follow mode it stays at the newest line as lines
 * arrive; scrolling up to read turns follow off, and "Jump to latest" turns it back on. Lines added
 * before the first one (an earlier page) are shown from the top with follow off.
 */
export function LogViewer({ lines, label, height = 260, emptyText = 'No lines yet.' }: { lines: readonly LogLine[]; label: string; height?: number; emptyText?: string }) {
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const programmatic = useRef(false);
  const first = useRef<LogLine['id'] | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    // Lines added before the first shown (an earlier page loaded on request): show them from the top, not following.
    const prepended = first.current !== undefined && lines[0] !== undefined && lines[0].id !== first.current && lines.some((l) => l.id === first.current);
    first.current = lines[0]?.id;
    if (prepended && el) {
      setFollow(false);
      programmatic.current = true;
      el.scrollTop = 0;
      return;
    }
    if (follow && el) {
      programmatic.current = true;
      el.scrollTop = el.scrollHeight;
    }
  }, [lines, follow]);
  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
    if (!atBottom && follow) setFollow(false);
  };
  return (
    <div>
      <Group justify="space-between" mb={6}>
        <Switch size="sm" label="Follow new lines" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
        {!follow && (
          <Button size="compact-xs" variant="light" onClick={() => setFollow(true)}>
            Jump to latest
          </Button>
        )}
      </Group>
      <Box
        ref={box}
        onScroll={onScroll}
        role="log"
        aria-label={label}
        aria-live={follow ? 'polite' : 'off'}
        tabIndex={0}
        style={{
          height,
          overflowY: 'auto',
          fontFamily: 'var(--mantine-font-family-monospace)',
          fontSize: 12,
          lineHeight: 1.5,
          padding: 8,
          borderRadius: 6,
          background: 'var(--mantine-color-default-hover)',
          border: '1px solid var(--mantine-color-default-border)',
        }}
      >
        {lines.length === 0 && <Text size="xs" c="dimmed">{emptyText}</Text>}
        {lines.map((l) => (
          <div key={l.id} className={`log-line log-${l.level ?? 'info'}`}>
            <span className="log-time">{new Date(l.at).toLocaleTimeString()}</span> {l.text}
          </div>
        ))}
      </Box>
    </div>
  );
}

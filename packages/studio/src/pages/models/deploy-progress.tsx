import { List, Loader, Text, ThemeIcon } from '@mantine/core';

/** Where one resource of a deploy stands. */
export type StepState = 'running' | 'created' | 'failed' | 'removed' | 'kept' | 'left';

export interface DeployStep {
  /** `Model`, `Endpoint config`, `Endpoint`. */
  readonly kind: string;
  readonly name: string;
  readonly state: StepState;
}

const said: Readonly<Record<StepState, string>> = {
  running: 'creating…',
  created: 'created',
  failed: 'not created',
  removed: 'created, then deleted since the endpoint was not',
  kept: 'created and kept: deploying again uses it',
  left: 'created, and could not be deleted after the endpoint failed: delete it from its page',
};

const mark: Readonly<Record<StepState, { color: string; text: string }>> = {
  running: { color: 'blue', text: '' },
  created: { color: 'teal', text: '✓' },
  failed: { color: 'red', text: '✕' },
  removed: { color: 'gray', text: '–' },
  kept: { color: 'teal', text: '✓' },
  left: { color: 'orange', text: '!' },
};

/** What a deploy did so far, one line per resource, so a failure at any step says what exists. */
export function DeployProgress({ steps }: { steps: readonly DeployStep[] }) {
  if (steps.length === 0) return null;
  return (
    <List
      size="sm"
      spacing={4}
      aria-label="Deploy progress"
      aria-live="polite"
      center
      icon={null}
    >
      {steps.map((s) => (
        <List.Item
          key={s.kind}
          icon={
            s.state === 'running' ? (
              <Loader size={14} />
            ) : (
              <ThemeIcon size={16} radius="xl" color={mark[s.state].color} aria-hidden>
                <Text size="xs" fw={700} c="white" span>
                  {mark[s.state].text}
                </Text>
              </ThemeIcon>
            )
          }
        >
          {s.kind} <strong>{s.name}</strong>: {said[s.state]}
        </List.Item>
      ))}
    </List>
  );
}

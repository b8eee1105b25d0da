import { ActionIcon, Button, Group, Input, Stack, TextInput } from '@mantine/core';
import type { TagRow } from '../schema/validate.js';

interface TagsEditorProps {
  readonly id: string;
  readonly label: string;
  readonly value: TagRow[];
  readonly onChange: (rows: TagRow[]) => void;
  readonly onBlur?: () => void;
  readonly error?: string;
  readonly description?: string;
  readonly required?: boolean;
  readonly max?: number;
  /** What one row is called, in lower case: `tag` (the default), `hyperparameter`, `environment variable`. */
  readonly noun?: string;
}

/** Key–value rows (tags, hyperparameters, environment variables): add, edit, remove; empty rows are ignored on submit. */
export function TagsEditor({ id, label, value, onChange, onBlur, error, description, required, max = 50, noun = 'tag' }: TagsEditorProps) {
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const set = (i: number, patch: Partial<TagRow>) => onChange(value.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Input.Wrapper id={id} label={label} error={error} description={description} required={required ?? false} onBlur={onBlur}>
      <Stack gap={6} mt={4}>
        {value.map((r, i) => (
          <Group key={i} gap={6} wrap="nowrap" align="flex-start">
            <TextInput size="sm" aria-label={`${Noun} ${i + 1} key`} placeholder="Key" value={r.Key} onChange={(e) => set(i, { Key: e.currentTarget.value })} style={{ flex: 1 }} />
            <TextInput size="sm" aria-label={`${Noun} ${i + 1} value`} placeholder="Value" value={r.Value} onChange={(e) => set(i, { Value: e.currentTarget.value })} style={{ flex: 1 }} />
            <ActionIcon variant="subtle" color="gray" size="lg" aria-label={`Remove ${noun} ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
              ×
            </ActionIcon>
          </Group>
        ))}
        <div>
          <Button size="compact-sm" variant="light" disabled={value.length >= max} onClick={() => onChange([...value, { Key: '', Value: '' }])}>
            Add {noun}
          </Button>
        </div>
      </Stack>
    </Input.Wrapper>
  );
}

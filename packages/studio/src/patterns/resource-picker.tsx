import { useQuery } from '@tanstack/react-query';
import { Autocomplete, Select, Stack, Text } from '@mantine/core';
import type { PickerProps } from './field-pickers.js';

export interface ResourcePickerProps extends PickerProps {
  /** Cache key of the choices (e.g. `['ListModels', 'picker']`). */
  readonly queryKey: readonly unknown[];
  /** Loads the choices: values, or values with a label. */
  readonly load: (signal: AbortSignal) => Promise<readonly (string | { value: string; label: string })[]>;
  /** Whether a value outside the choices may be typed (an artifact URL); otherwise one must be picked. */
  readonly free?: boolean;
  readonly empty?: string;
}

/** A searchable choice among existing resources, for a field the schema types as a string. */
export function ResourcePicker({ queryKey, load, free, empty, value, onChange, description, ...field }: ResourcePickerProps) {
  const q = useQuery({ queryKey: [...queryKey], queryFn: ({ signal }) => load(signal) });
  const data = (q.data ?? []).map((x) => (typeof x === 'string' ? { value: x, label: x } : x));
  const hint = q.isSuccess && data.length === 0 && empty ? [description, empty].filter(Boolean).join(' ') : description;
  if (free) {
    // A typed value is the field's value, so the list shows values; a label says what each one is under it.
    const about = new Map(data.filter((d) => d.label !== d.value).map((d) => [d.value, d.label]));
    return (
      <Autocomplete
        {...field}
        description={hint}
        data={data.map((d) => d.value)}
        value={value}
        onChange={onChange}
        autoComplete="off"
        placeholder={q.isPending ? 'Loading…' : undefined}
        renderOption={({ option }) => (
          <Stack gap={0}>
            <Text size="sm">{option.value}</Text>
            {about.has(option.value) && (
              <Text size="xs" c="dimmed">
                {about.get(option.value)}
              </Text>
            )}
          </Stack>
        )}
      />
    );
  }
  // A value the list does not hold (pre-filled, or just created elsewhere) stays pickable.
  const all = value && !data.some((d) => d.value === value) ? [{ value, label: value }, ...data] : data;
  // Not opened by focus alone: a form focuses the first field in error after a failed submit, and the list
  // would cover the message under it. A click, typing or the arrow keys open it.
  return <Select {...field} description={hint} data={all} value={value || null} onChange={(v) => onChange(v ?? '')} searchable openOnFocus={false} clearable={!field.required} nothingFoundMessage={q.isPending ? 'Loading…' : 'Nothing matches'} placeholder={q.isPending ? 'Loading…' : 'Search or pick'} />;
}

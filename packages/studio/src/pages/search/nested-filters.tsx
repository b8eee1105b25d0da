import { Button, CloseButton, Group, NativeSelect, Paper, Stack, Text } from '@mantine/core';
import { FilterRows, type PropertyChoices } from './filter-rows.js';
import { emptyNested, type NestedDraft, type RowError } from './search-expression.js';

interface NestedFiltersProps {
  readonly nested: readonly NestedDraft[];
  readonly onChange: (nested: NestedDraft[]) => void;
  /** The resource's list properties (`Metrics`, `InputDataConfig`); none, and nothing is shown but nested filters a link gave. */
  readonly lists: readonly string[];
  readonly choices: PropertyChoices;
  /** Messages by nested filter, then by row: Studio's own (an empty value, no list) and the server's (an unknown property). */
  readonly errors: Readonly<Record<number, Readonly<Record<number, RowError>>>>;
  /** The server's message about a nested filter's list (not a list property), by nested filter. */
  readonly listErrors?: Readonly<Record<number, string>>;
}

/** The properties of one list's elements (`Metrics.MetricName`, `Metrics.Max`), for a nested filter's rows. */
function listChoices(choices: PropertyChoices, list: string): PropertyChoices {
  const of = choices.catalog.filter((p) => p.name.startsWith(`${list}.`) && p.name !== `${list}.`);
  return { catalog: of, seen: [], common: Math.min(of.length, 8) };
}

/**
 * SageMaker's NestedFilters: each names a list property of the record (a trial component's `Metrics`, a training
 * job's `InputDataConfig`) and filters that must all hold for one and the same element of it — the metric named
 * `accuracy` whose `Max` is over 0.9, not any metric named so and any other over 0.9.
 */
export function NestedFilters({ nested, onChange, lists, choices, errors, listErrors = {} }: NestedFiltersProps) {
  // A link may hold nested filters on a list this resource does not have (an edited or older URL): they are still
  // sent, so they are shown, where they can be removed, next to the server's refusal.
  if (lists.length === 0 && nested.length === 0) return null;
  const set = (i: number, patch: Partial<NestedDraft>) => onChange(nested.map((g, j) => (j === i ? { ...g, ...patch } : g)));
  return (
    <Stack gap="xs">
      {nested.map((g, i) => {
        const label = `Nested filter ${i + 1}`;
        return (
          <Paper key={i} withBorder p="xs" role="group" aria-label={label}>
            <Group justify="space-between" align="flex-end" mb={6}>
              <NativeSelect
                label={`${label}: every filter holds for one element of`}
                data={[...(g.list && !lists.includes(g.list) ? [{ value: g.list, label: `${g.list} (not a list of this resource)` }] : []), ...lists.map((l) => ({ value: l, label: l }))]}
                value={g.list}
                error={listErrors[i]}
                onChange={(e) => set(i, { list: e.currentTarget.value, filters: g.filters.map((f) => ({ ...f, name: '' })) })}
                maw={420}
              />
              <CloseButton aria-label={`Remove ${label.toLowerCase()}`} onClick={() => onChange(nested.filter((_, j) => j !== i))} />
            </Group>
            <FilterRows rows={g.filters} onChange={(filters) => set(i, { filters })} choices={listChoices(choices, g.list)} errors={errors[i] ?? {}} label={label} />
          </Paper>
        );
      })}
      {lists.length > 0 && (
        <Group gap="xs">
          <Button variant="default" size="compact-sm" onClick={() => onChange([...nested, emptyNested(lists[0])])} disabled={nested.length >= 20}>
            Add nested filter
          </Button>
          {nested.length === 0 && (
            <Text size="xs" c="dimmed">
              Filters on one element of a list: {lists.slice(0, 3).join(', ')}
              {lists.length > 3 ? ', …' : ''}
            </Text>
          )}
        </Group>
      )}
    </Stack>
  );
}

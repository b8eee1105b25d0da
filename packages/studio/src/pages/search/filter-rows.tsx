import { Autocomplete, Button, CloseButton, Group, NativeSelect, Stack, TextInput } from '@mantine/core';
import { operatorLabels, operators, takesValue, type FilterDraft, type RowError, type SearchOperator } from './search-expression.js';
import type { PropertyHint } from './search-properties.js';

export interface PropertyChoices {
  readonly catalog: readonly PropertyHint[];
  /** Keys the results on screen have under keyed properties (`HyperParameters.eta`). */
  readonly seen: readonly string[];
  readonly common: number;
}

/** The property suggestions: common ones, keys seen in the results, then every other property; each once. */
export function propertyData(c: PropertyChoices) {
  const common = c.catalog.slice(0, c.common).map((p) => p.name);
  const seen = c.seen.filter((s) => !common.includes(s));
  const rest = c.catalog.slice(c.common).map((p) => p.name).filter((n) => !seen.includes(n));
  return [
    { group: 'Common', items: common },
    ...(seen.length ? [{ group: 'Keys in these results', items: seen }] : []),
    { group: 'All properties', items: rest },
  ];
}

const placeholders: Readonly<Record<PropertyHint['kind'], string>> = {
  text: 'text', number: 'a number', timestamp: '2026-11-28T12:00:00', boolean: 'true or false', choice: 'choose or type', keyed: 'text or a number',
};

interface FilterRowsProps {
  readonly rows: readonly FilterDraft[];
  readonly onChange: (rows: FilterDraft[]) => void;
  readonly choices: PropertyChoices;
  /** Messages by row index, each on the control it is about: Studio's own (no property, an empty value) and the server's (an unknown property, a value it cannot read). */
  readonly errors: Readonly<Record<number, RowError>>;
  /** Put before each control's name (`Nested filter 1 property 2`), when the rows are not the search's own. */
  readonly label?: string;
}

/** The filter rows of a search: property (with suggestions), operator and value each; rows are added and removed. */
export function FilterRows({ rows, onChange, choices, errors, label }: FilterRowsProps) {
  const named = (what: string, n: number) => (label ? `${label} ${what.toLowerCase()} ${n}` : `${what} ${n}`);
  const data = propertyData(choices);
  const hints = new Map(choices.catalog.map((p) => [p.name, p]));
  const set = (i: number, patch: Partial<FilterDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack gap="xs">
      {rows.map((r, i) => {
        const hint = hints.get(r.name.trim()) ?? (r.name.includes('.') ? hints.get(r.name.slice(0, r.name.lastIndexOf('.') + 1)) : undefined);
        const n = i + 1;
        return (
          <Group key={i} align="flex-start" gap="xs" wrap="nowrap" role="group" aria-label={named('Filter', n)}>
            <Autocomplete
              aria-label={named('Property', n)}
              placeholder="Property, e.g. TrainingJobStatus or HyperParameters.eta"
              data={data}
              limit={400}
              maxDropdownHeight={320}
              value={r.name}
              onChange={(name) => set(i, { name })}
              error={errors[i]?.property}
              style={{ flex: 2 }}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <NativeSelect
              aria-label={named('Operator', n)}
              data={operators.map((o) => ({ value: o, label: operatorLabels[o] }))}
              value={r.operator}
              onChange={(e) => set(i, { operator: e.currentTarget.value as SearchOperator })}
              style={{ flex: 1 }}
            />
            {hint?.kind === 'choice' && takesValue(r.operator) ? (
              <Autocomplete aria-label={named('Value', n)} placeholder={placeholders.choice} data={[...(hint.choices ?? [])]} value={r.value} onChange={(value) => set(i, { value })} error={errors[i]?.value} style={{ flex: 2 }} />
            ) : (
              <TextInput
                aria-label={named('Value', n)}
                placeholder={takesValue(r.operator) ? (r.operator === 'In' ? 'a, b, c' : placeholders[hint?.kind ?? 'text']) : 'no value needed'}
                disabled={!takesValue(r.operator)}
                value={takesValue(r.operator) ? r.value : ''}
                onChange={(e) => set(i, { value: e.currentTarget.value })}
                error={errors[i]?.value}
                style={{ flex: 2 }}
              />
            )}
            <CloseButton aria-label={`Remove ${named('Filter', n).toLowerCase()}`} mt={6} onClick={() => onChange(rows.length === 1 ? [{ name: '', operator: 'Equals', value: '' }] : rows.filter((_, j) => j !== i))} />
          </Group>
        );
      })}
      <Group>
        <Button variant="default" size="compact-sm" onClick={() => onChange([...rows, { name: '', operator: 'Equals', value: '' }])} disabled={rows.length >= 20} aria-label={label ? `Add filter to ${label.toLowerCase()}` : undefined}>
          Add filter
        </Button>
      </Group>
    </Stack>
  );
}

import { MultiSelect } from '@mantine/core';
import type { ColumnFamily } from './run-columns.js';

const families: readonly { family: ColumnFamily; label: string }[] = [
  { family: 'metrics', label: 'Metrics' },
  { family: 'params', label: 'Parameters' },
  { family: 'tags', label: 'Tags' },
];

/** Pick which metric, param and tag keys the runs table shows, grouped by family and searchable. */
export function ColumnChooser({ keys, value, onChange }: { keys: Record<ColumnFamily, string[]>; value: string[]; onChange: (ids: string[]) => void }) {
  const data = families
    .filter((f) => keys[f.family].length > 0)
    .map((f) => ({ group: f.label, items: keys[f.family].map((k) => ({ value: `${f.family}.${k}`, label: `${f.family === 'metrics' ? 'metric' : f.family === 'params' ? 'param' : 'tag'}: ${k}` })) }));
  return <MultiSelect label="Columns" placeholder="Add a metric, param or tag" data={data} value={value} onChange={onChange} searchable clearable maxDropdownHeight={320} w={{ base: '100%', md: 520 }} comboboxProps={{ withinPortal: true }} />;
}

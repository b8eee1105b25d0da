import { loam } from '../../api/client.js';
import type { PickerProps } from '../../patterns/field-pickers.js';
import { ResourcePicker } from '../../patterns/resource-picker.js';

/** Existing models, newest first, searchable by name: for a form field naming a model. */
export function ModelPicker(p: PickerProps) {
  return (
    <ResourcePicker
      {...p}
      queryKey={['ListModels', 'picker']}
      empty="No models yet: create one first."
      load={async (signal) => {
        const names: string[] = [];
        let token: string | undefined;
        do {
          const page = await loam.ListModels({ SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
          names.push(...page.Models.map((m) => m.ModelName));
          token = page.NextToken;
        } while (token && names.length < 1000);
        return names;
      }}
    />
  );
}

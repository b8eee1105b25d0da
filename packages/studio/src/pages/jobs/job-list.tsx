import { useState } from 'react';
import { Group, NativeSelect, Stack } from '@mantine/core';
import { getOperation } from '@loam/contracts';
import { ResourceList, type ResourceListProps } from '../../patterns/resource-list.js';
import { abilitiesOf } from '../../schema/columns.js';
import type { JsonSchema } from '../../schema/fields.js';
import { labelFor } from '../../schema/labels.js';

/**
 * A job list with the server's own status filter and sort (choices from the list operation's input schema),
 * over the shared resource list's name filter, paging and live status.
 */
export function JobList(props: ResourceListProps) {
  const can = abilitiesOf(getOperation(props.operation)!.input as JsonSchema);
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState(can.sortBy?.choices.includes('CreationTime') ? 'CreationTime' : '');
  const [order, setOrder] = useState('Descending');
  const input = {
    ...props.input,
    ...(status && can.statusFilter ? { [can.statusFilter.field]: status } : {}),
    ...(sort && can.sortBy ? { [can.sortBy.field]: sort, ...(can.sortOrder ? { [can.sortOrder]: order } : {}) } : {}),
  };
  return (
    <Stack gap="xs">
      <Group gap="sm" align="flex-end">
        {can.statusFilter && <NativeSelect label="Status" data={[{ value: '', label: 'Any status' }, ...can.statusFilter.choices]} value={status} onChange={(e) => setStatus(e.currentTarget.value)} w={160} />}
        {can.sortBy && (
          <NativeSelect label="Sort by" data={can.sortBy.choices.map((c) => ({ value: c, label: labelFor(c) }))} value={sort} onChange={(e) => setSort(e.currentTarget.value)} w={160} />
        )}
        {can.sortBy && can.sortOrder && <NativeSelect label="Order" data={['Descending', 'Ascending']} value={order} onChange={(e) => setOrder(e.currentTarget.value)} w={140} />}
      </Group>
      <ResourceList key={JSON.stringify(input)} {...props} input={input} />
    </Stack>
  );
}

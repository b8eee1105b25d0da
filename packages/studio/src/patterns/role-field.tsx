import { Autocomplete } from '@mantine/core';
import { useExecutionRole } from '../app/session.js';
import type { PickerProps } from './field-pickers.js';

/**
 * An execution role field (`RoleArn`, `ExecutionRoleArn`): any ARN may be typed; the list offers the
 * account's `LoamExecution` role and the roles this user submitted recently. The hint says what Loam does
 * with it, since it is not what SageMaker does.
 */
export function RoleField({ value, onChange, description: _schemaHint, ...field }: PickerProps) {
  const { choices } = useExecutionRole();
  return (
    <Autocomplete
      {...field}
      description="Recorded with the resource as its execution role. Loam has no roles yet: the work reads and writes S3 with your own permissions."
      data={choices}
      value={value}
      onChange={onChange}
      autoComplete="off"
      spellCheck={false}
    />
  );
}

import { SimpleGrid, Text } from '@mantine/core';
import { formatTime } from '../../schema/format.js';
import { labelFor } from '../../schema/labels.js';

/** The epoch-second `…Time` members of a job (the summary leaves them to this section). */
export const timeKeys = (job: Readonly<Record<string, unknown>>): string[] => Object.keys(job).filter((k) => /Time$/.test(k) && typeof job[k] === 'number');

/** When the job was created, started, ended and last changed, as local date and time. */
export function JobTimes({ job }: { job: Readonly<Record<string, unknown>> }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing="xs" component="dl" style={{ margin: 0 }}>
      {timeKeys(job).map((k) => (
        <div key={k}>
          <Text component="dt" size="xs" c="dimmed" fw={500}>
            {labelFor(k)}
          </Text>
          <Text component="dd" size="sm" m={0}>
            {formatTime(job[k] as number)}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

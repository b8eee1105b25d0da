import { Stack, Text, Title } from '@mantine/core';
import { JobList } from '../jobs/job-list.js';
import { transformJobPath } from './transform-paths.js';

/** Batch transform jobs with live status; each opens its input, output and log. */
export function TransformJobsPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Batch transform
        </Title>
        <Text size="sm" c="dimmed">
          Score whole datasets offline through a model: input files are split into records, sent in batches, and the predictions written next to each file&apos;s name.
        </Text>
      </div>
      <JobList operation="ListTransformJobs" linkTo={(j) => transformJobPath(String(j.TransformJobName))} omitColumns={['TransformJobArn']} caption="Transform jobs" empty="No transform jobs yet. Start one with CreateTransformJob from the API or the SDK." />
    </Stack>
  );
}

import { Stack, Text, Title } from '@mantine/core';
import { JobList } from './job-list.js';
import { processingJobPath } from './job-paths.js';

/** Processing jobs: data preparation and evaluation scripts, with live status. */
export function ProcessingJobsPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Processing jobs
        </Title>
        <Text size="sm" c="dimmed">
          Scripts that prepare data or evaluate models, started with CreateProcessingJob (SDK, CLI or boto3).
        </Text>
      </div>
      <JobList operation="ListProcessingJobs" linkTo={(j) => processingJobPath(String(j.ProcessingJobName))} omitColumns={['ProcessingJobArn']} caption="Processing jobs" empty="No processing jobs yet." />
    </Stack>
  );
}

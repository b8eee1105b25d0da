import { Stack, Text, Title } from '@mantine/core';
import { JobList } from '../jobs/job-list.js';
import { tuningJobPath } from './tuning-paths.js';

/** Tuning jobs with live status; each opens its trials. */
export function TuningJobsPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Tuning jobs
        </Title>
        <Text size="sm" c="dimmed">
          Hyperparameter searches: each runs training jobs (trials) and keeps the best by its objective metric. Start one with the API, the SDK or <code>loam tune</code>.
        </Text>
      </div>
      <JobList
        operation="ListHyperParameterTuningJobs"
        linkTo={(j) => tuningJobPath(String(j.HyperParameterTuningJobName))}
        omitColumns={['HyperParameterTuningJobArn']}
        caption="Tuning jobs"
        empty="No tuning jobs yet."
      />
    </Stack>
  );
}

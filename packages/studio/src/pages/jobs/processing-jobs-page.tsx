import { Stack } from '@mantine/core';
import { PageHeader } from '../../patterns/page-header.js';
import { CreateDialog } from '../models/create-dialog.js';
import { JobList } from './job-list.js';
import { processingJobPath } from './job-paths.js';
import { processingCounts, processingDefaults } from './processing-defaults.js';
import { useDefaultBucket } from '../../app/session.js';

/** Processing jobs: data preparation and evaluation scripts, with live status, and a form to start one. */
export function ProcessingJobsPage() {
  const defaultBucket = useDefaultBucket();
  return (
    <Stack>
      <PageHeader title="Processing jobs" description="Scripts that prepare data or evaluate models: inputs are copied from S3 to local paths, outputs uploaded back when the script ends.">
        <CreateDialog
          operation="CreateProcessingJob"
          title="Create processing job"
          nameKey="ProcessingJobName"
          listOperation="ListProcessingJobs"
          pathOf={processingJobPath}
          initial={() => processingDefaults(new Date(), defaultBucket)}
          initialCounts={processingCounts}
        />
      </PageHeader>
      <JobList operation="ListProcessingJobs" linkTo={(j) => processingJobPath(String(j.ProcessingJobName))} omitColumns={['ProcessingJobArn']} caption="Processing jobs" empty="No processing jobs yet." />
    </Stack>
  );
}

import { Stack } from '@mantine/core';
import { FieldPickers } from '../../patterns/field-pickers.js';
import { PageHeader } from '../../patterns/page-header.js';
import { JobList } from '../jobs/job-list.js';
import { CreateDialog } from '../models/create-dialog.js';
import { ModelPicker } from '../models/model-picker.js';
import { transformDefaults } from './transform-defaults.js';
import { transformJobPath } from './transform-paths.js';
import { useDefaultBucket } from '../../app/session.js';

/** Batch transform jobs with live status; each opens its input, output and log. A form starts one on an existing model. */
export function TransformJobsPage() {
  const defaultBucket = useDefaultBucket();
  return (
    <Stack>
      <PageHeader title="Batch transform" description="Score whole datasets offline through a model: input files are split into records, sent in batches, and the predictions written next to each file's name.">
        <FieldPickers pickers={{ ModelName: ModelPicker }}>
          <CreateDialog
            operation="CreateTransformJob"
            title="Create transform job"
            nameKey="TransformJobName"
            listOperation="ListTransformJobs"
            pathOf={transformJobPath}
            initial={() => transformDefaults(new Date(), defaultBucket)}
          />
        </FieldPickers>
      </PageHeader>
      <JobList operation="ListTransformJobs" linkTo={(j) => transformJobPath(String(j.TransformJobName))} omitColumns={['TransformJobArn']} caption="Transform jobs" empty="No transform jobs yet. Create one to score a dataset with a model." />
    </Stack>
  );
}

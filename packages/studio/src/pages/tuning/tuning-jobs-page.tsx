import { Anchor, Stack } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { PageHeader } from '../../patterns/page-header.js';
import { JobList } from '../jobs/job-list.js';
import { CreateDialog } from '../models/create-dialog.js';
import { tuningCounts, tuningDefaults } from './tuning-defaults.js';
import { tuningJobPath } from './tuning-paths.js';
import { useDefaultBucket } from '../../app/session.js';

/** Tuning jobs with live status; each opens its trials. A form starts one. */
export function TuningJobsPage() {
  const defaultBucket = useDefaultBucket();
  return (
    <Stack>
      <PageHeader
        title="Tuning jobs"
        description={
          <>
            Hyperparameter searches: each runs <Anchor component={Link} to="/training-jobs">training jobs</Anchor> (trials) and keeps the best by its objective metric.
          </>
        }
      >
        <CreateDialog
          operation="CreateHyperParameterTuningJob"
          title="Create tuning job"
          nameKey="HyperParameterTuningJobName"
          listOperation="ListHyperParameterTuningJobs"
          pathOf={tuningJobPath}
          initial={() => tuningDefaults(new Date(), defaultBucket)}
          initialCounts={tuningCounts}
        />
      </PageHeader>
      <JobList
        operation="ListHyperParameterTuningJobs"
        linkTo={(j) => tuningJobPath(String(j.HyperParameterTuningJobName))}
        omitColumns={['HyperParameterTuningJobArn']}
        caption="Tuning jobs"
        empty="No tuning jobs yet. Create one to search hyperparameters with trials of a training job."
      />
    </Stack>
  );
}

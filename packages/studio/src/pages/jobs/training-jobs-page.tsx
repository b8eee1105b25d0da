import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Anchor, Button, Stack } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useNotifications } from '../../app/notifications.js';
import { JobList } from './job-list.js';
import { trainingJobPath } from './job-paths.js';
import { trainingDefaults } from './training-defaults.js';
import { NestedOperationForm } from './nested-operation-form.js';
import { PageHeader } from '../../patterns/page-header.js';
import { FormModal } from '../../patterns/form-modal.js';
import { useDefaultBucket } from '../../app/session.js';

/** Training jobs: every job with live status, and a form to start one. */
export function TrainingJobsPage() {
  const defaultBucket = useDefaultBucket();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [open, setOpen] = useState(false);
  return (
    <Stack>
      <PageHeader
        title="Training jobs"
        description={
          <>
            Train with a built-in algorithm (XGBoost, linear learner, k-means, PCA) or your own script. Also see <Anchor component={Link} to="/processing-jobs">processing jobs</Anchor>.
          </>
        }
      >
        <Button onClick={() => setOpen(true)}>Create training job</Button>
      </PageHeader>
      <FormModal opened={open} onClose={() => setOpen(false)} title="Create training job" size="xl">
        {open && (
          <NestedOperationForm
            operation="CreateTrainingJob"
            initial={trainingDefaults(new Date(), defaultBucket)}
            initialCounts={{ InputDataConfig: 1 }}
            submitLabel="Create training job"
            onCancel={() => setOpen(false)}
            onDone={(_out, input) => {
              const name = String(input.TrainingJobName);
              setOpen(false);
              void qc.invalidateQueries({ queryKey: ['ListTrainingJobs'] });
              notify({ title: `Training job ${name} started`, tone: 'success', to: trainingJobPath(name) });
              void navigate({ to: trainingJobPath(name) });
            }}
          />
        )}
      </FormModal>
      <JobList operation="ListTrainingJobs" linkTo={(j) => trainingJobPath(String(j.TrainingJobName))} omitColumns={['TrainingJobArn']} caption="Training jobs" empty="No training jobs yet. Create one to train a model on data in the artifact store." />
    </Stack>
  );
}

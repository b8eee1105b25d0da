import { useQueryClient } from '@tanstack/react-query';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { FieldPickers, type PickerMap } from '../../patterns/field-pickers.js';
import { ModelPicker } from '../models/model-picker.js';
import { transformJobPath } from '../transform/transform-paths.js';
import { tuningJobPath } from '../tuning/tuning-paths.js';
import { CloneButton } from './clone-button.js';
import { processingJobPath, trainingJobPath } from './job-paths.js';

export type JobKind = 'training' | 'processing' | 'tuning' | 'transform';

interface JobKindSpec {
  /** `Training job`: titles and notifications. */
  readonly noun: string;
  readonly nameKey: string;
  readonly statusKey: string;
  readonly create: string;
  readonly stop: string;
  readonly describe: string;
  readonly list: string;
  readonly pathOf: (name: string) => string;
  /** What a stop does to this kind of job, said before the user confirms it. */
  readonly stopMessage: string;
  /** Pickers the clone form offers (a transform job's model). */
  readonly pickers?: PickerMap;
}

/** What differs between the job kinds; the actions themselves are the same. */
const kinds: Readonly<Record<JobKind, JobKindSpec>> = {
  training: {
    noun: 'Training job', nameKey: 'TrainingJobName', statusKey: 'TrainingJobStatus',
    create: 'CreateTrainingJob', stop: 'StopTrainingJob', describe: 'DescribeTrainingJob', list: 'ListTrainingJobs', pathOf: trainingJobPath,
    stopMessage: 'Its processes get SIGTERM, then SIGKILL after the grace period. The model written so far is still uploaded.',
  },
  processing: {
    noun: 'Processing job', nameKey: 'ProcessingJobName', statusKey: 'ProcessingJobStatus',
    create: 'CreateProcessingJob', stop: 'StopProcessingJob', describe: 'DescribeProcessingJob', list: 'ListProcessingJobs', pathOf: processingJobPath,
    stopMessage: 'Its processes get SIGTERM, then SIGKILL after the grace period.',
  },
  tuning: {
    noun: 'Tuning job', nameKey: 'HyperParameterTuningJobName', statusKey: 'HyperParameterTuningJobStatus',
    create: 'CreateHyperParameterTuningJob', stop: 'StopHyperParameterTuningJob', describe: 'DescribeHyperParameterTuningJob', list: 'ListHyperParameterTuningJobs', pathOf: tuningJobPath,
    stopMessage: 'No new trials start and every running trial is stopped. The best trial so far stays recorded.',
  },
  transform: {
    noun: 'Transform job', nameKey: 'TransformJobName', statusKey: 'TransformJobStatus',
    create: 'CreateTransformJob', stop: 'StopTransformJob', describe: 'DescribeTransformJob', list: 'ListTransformJobs', pathOf: transformJobPath,
    stopMessage: 'Files already scored keep their output; files in progress are not written.',
    pickers: { ModelName: ModelPicker },
  },
};

/**
 * A job page's actions, as on a SageMaker console job page: Clone (the create form filled in with this
 * job's settings) and Stop (while it is in progress, behind a confirmation that says what stopping does).
 */
export function JobActions({ kind, job }: { kind: JobKind; job: Readonly<Record<string, unknown>> }) {
  const k = kinds[kind];
  const qc = useQueryClient();
  const { notify } = useNotifications();
  const name = String(job[k.nameKey] ?? '');
  const clone = <CloneButton operation={k.create} described={job} nameKey={k.nameKey} title={`Create ${k.noun.toLowerCase()}`} listOperation={k.list} pathOf={k.pathOf} doneTitle={(n) => `${k.noun} ${n} started`} />;
  return (
    <>
      {k.pickers ? <FieldPickers pickers={k.pickers}>{clone}</FieldPickers> : clone}
      <ConfirmButton
        label="Stop"
        disabled={job[k.statusKey] !== 'InProgress'}
        title={`Stop ${k.noun.toLowerCase()} ${name}?`}
        message={k.stopMessage}
        iamAction={`sagemaker:${k.stop}`}
        onConfirm={async () => {
          await loam.call(k.stop, { [k.nameKey]: name });
          // The page may name the job in another case than Describe answers (names match case-insensitively).
          await qc.invalidateQueries({ queryKey: [k.describe] });
          notify({ title: `Stopping ${name}`, tone: 'info' });
        }}
      />
    </>
  );
}

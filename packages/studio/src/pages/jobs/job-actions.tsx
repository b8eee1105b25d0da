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
  /** The API's name for the resource (`TrainingJob`), from which its fields and operations are named. */
  readonly resource: string;
  readonly pathOf: (name: string) => string;
  /** What a stop does to this kind of job, said before the user confirms it. */
  readonly stopMessage: string;
  /** Pickers the clone form offers (a transform job's model). */
  readonly pickers?: PickerMap;
}

/** What differs between the job kinds; the actions themselves are the same. */
const kinds: Readonly<Record<JobKind, JobKindSpec>> = {
  training: {
    noun: 'Training job', resource: 'TrainingJob', pathOf: trainingJobPath,
    stopMessage: 'Its processes get SIGTERM, then SIGKILL after the grace period. The model written so far is still uploaded.',
  },
  processing: {
    noun: 'Processing job', resource: 'ProcessingJob', pathOf: processingJobPath,
    stopMessage: 'Its processes get SIGTERM, then SIGKILL after the grace period.',
  },
  tuning: {
    noun: 'Tuning job', resource: 'HyperParameterTuningJob', pathOf: tuningJobPath,
    stopMessage: 'No new trials start and every running trial is stopped. The best trial so far stays recorded.',
  },
  transform: {
    noun: 'Transform job', resource: 'TransformJob', pathOf: transformJobPath,
    stopMessage: 'Files already scored keep their output; files in progress are not written.',
    pickers: { ModelName: ModelPicker },
  },
};

/** SageMaker names every job kind's fields and operations after the resource: `TrainingJobName`, `StopTrainingJob`, … */
const apiOf = (r: string) => ({ nameKey: `${r}Name`, statusKey: `${r}Status`, create: `Create${r}`, stop: `Stop${r}`, describe: `Describe${r}`, list: `List${r}s` });

/**
 * A job page's actions, as on a SageMaker console job page: Clone (the create form filled in with this
 * job's settings) and Stop (while it is in progress, behind a confirmation that says what stopping does).
 */
export function JobActions({ kind, job }: { kind: JobKind; job: Readonly<Record<string, unknown>> }) {
  const k = { ...kinds[kind], ...apiOf(kinds[kind].resource) };
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

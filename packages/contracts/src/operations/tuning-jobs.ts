import { hyperparameterText, readObject, trainingDataAccess, type DataAccess } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/tuning-jobs.js';

const tuning = 'arn:loam:sagemaker:{Region}:{Account}:hyper-parameter-tuning-job/{HyperParameterTuningJobName}';
const base = { capability: 'tuning-jobs', aws: true } as const;

export const CreateHyperParameterTuningJob = defineOperation({
  ...base, name: 'CreateHyperParameterTuningJob', kind: 'create',
  summary: 'Starts a tuning job: runs training jobs with hyperparameters chosen by the Bayesian, Random, Grid or Hyperband strategy, and keeps the best.',
  input: S.CreateHyperParameterTuningJobInput, output: S.CreateHyperParameterTuningJobOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateHyperParameterTuningJob', resource: tuning, rest: { method: 'POST', path: '/api/v1/tuning-jobs' },
  // Its training jobs are named `<tuning job>-NNN-<hash>`, under each definition's output path. A tuned
  // sagemaker_submit_directory (a categorical range, in the config or in a definition) is fetched too.
  dataAccess: (i) => {
    const defs = i.TrainingJobDefinitions ?? (i.TrainingJobDefinition ? [i.TrainingJobDefinition] : []);
    const tunedSources = (at: string, ranges: { readonly CategoricalParameterRanges?: readonly { readonly Name: string; readonly Values: readonly string[] }[] } | undefined): DataAccess[] =>
      (ranges?.CategoricalParameterRanges ?? []).flatMap((r, k) => (r.Name === 'sagemaker_submit_directory'
        ? r.Values.map((v, j) => readObject(`${at}/CategoricalParameterRanges/${k}/Values/${j}`, hyperparameterText(v) as string))
        : []));
    return [
      ...tunedSources('/HyperParameterTuningJobConfig/ParameterRanges', i.HyperParameterTuningJobConfig.ParameterRanges),
      ...defs.flatMap((d, n) => {
        const at = i.TrainingJobDefinitions ? `/TrainingJobDefinitions/${n}` : '/TrainingJobDefinition';
        return [...trainingDataAccess(at, d, d.StaticHyperParameters, `${i.HyperParameterTuningJobName}-`), ...tunedSources(`${at}/HyperParameterRanges`, d.HyperParameterRanges)];
      }),
    ];
  },
});
export const DescribeHyperParameterTuningJob = defineOperation({
  ...base, name: 'DescribeHyperParameterTuningJob', kind: 'describe',
  summary: 'Describes a tuning job: status, training-job and objective counters, the best training job.',
  input: S.DescribeHyperParameterTuningJobInput, output: S.DescribeHyperParameterTuningJobOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeHyperParameterTuningJob', resource: tuning, rest: { method: 'GET', path: '/api/v1/tuning-jobs/{HyperParameterTuningJobName}' },
});
export const ListHyperParameterTuningJobs = defineOperation({
  ...base, name: 'ListHyperParameterTuningJobs', kind: 'list', summary: 'Lists tuning jobs, filtered by name, status and time, sorted and paged.',
  input: S.ListHyperParameterTuningJobsInput, output: S.ListHyperParameterTuningJobsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListHyperParameterTuningJobs', resource: '*', rest: { method: 'GET', path: '/api/v1/tuning-jobs' },
});
export const StopHyperParameterTuningJob = defineOperation({
  ...base, name: 'StopHyperParameterTuningJob', kind: 'action', summary: 'Stops a tuning job and every training job it is running.',
  input: S.StopHyperParameterTuningJobInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:StopHyperParameterTuningJob', resource: tuning, rest: { method: 'POST', path: '/api/v1/tuning-jobs/{HyperParameterTuningJobName}/stop' },
});
export const ListTrainingJobsForHyperParameterTuningJob = defineOperation({
  ...base, name: 'ListTrainingJobsForHyperParameterTuningJob', kind: 'list',
  summary: "Lists a tuning job's training jobs with their tuned hyperparameters and final objective value.",
  input: S.ListTrainingJobsForHyperParameterTuningJobInput, output: S.ListTrainingJobsForHyperParameterTuningJobOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:ListTrainingJobsForHyperParameterTuningJob', resource: tuning, rest: { method: 'GET', path: '/api/v1/tuning-jobs/{HyperParameterTuningJobName}/training-jobs' },
});

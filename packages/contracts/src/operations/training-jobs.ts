import { trainingDataAccess } from '../data-access.js';
import { trainingJobExperiment } from '../experiment-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/training-jobs.js';

const job = 'arn:loam:sagemaker:{Region}:{Account}:training-job/{TrainingJobName}';
const base = { capability: 'training-jobs', aws: true } as const;

export const CreateTrainingJob = defineOperation({
  ...base, name: 'CreateTrainingJob', kind: 'create',
  summary: 'Starts a training job: stages the input channels, runs the training image under the SageMaker container contract, and stores model.tar.gz.',
  input: S.CreateTrainingJobInput, output: S.CreateTrainingJobOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateTrainingJob', resource: job, rest: { method: 'POST', path: '/api/v1/training-jobs' },
  dataAccess: (i) => trainingDataAccess('', i, i.HyperParameters, `${i.TrainingJobName}/`, { channelsMustHoldObjects: true }),
  // The job logs itself as a run in the experiment ExperimentConfig names (TrainingJobRunSync), its component joins the trial it names.
  experimentAccess: (i) => trainingJobExperiment('/ExperimentConfig/ExperimentName', i.ExperimentConfig?.ExperimentName, '/ExperimentConfig/TrialName', i.ExperimentConfig?.TrialName),
});
export const DescribeTrainingJob = defineOperation({
  ...base, name: 'DescribeTrainingJob', kind: 'describe', summary: 'Describes a training job: status, status transitions, metrics, model artifacts, failure reason.',
  input: S.DescribeTrainingJobInput, output: S.DescribeTrainingJobOutput, errors: ['ResourceNotFound'],
  // SageMaker answers a missing training job "ValidationException: Requested resource not found." (not the
  // ResourceNotFound its API reference lists; aws/aws-sdk#165), and clients catch that code.
  awsNotFoundIsValidation: 'Requested resource not found.',
  iamAction: 'sagemaker:DescribeTrainingJob', resource: job, rest: { method: 'GET', path: '/api/v1/training-jobs/{TrainingJobName}' },
});
export const ListTrainingJobs = defineOperation({
  ...base, name: 'ListTrainingJobs', kind: 'list', summary: 'Lists training jobs, filtered by name, status and time, sorted and paged.',
  input: S.ListTrainingJobsInput, output: S.ListTrainingJobsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListTrainingJobs', resource: '*', rest: { method: 'GET', path: '/api/v1/training-jobs' },
});
export const StopTrainingJob = defineOperation({
  ...base, name: 'StopTrainingJob', kind: 'action', summary: 'Stops a training job: SIGTERM to its processes, SIGKILL after the grace period; the model written so far is still stored.',
  input: S.StopTrainingJobInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:StopTrainingJob', resource: job, rest: { method: 'POST', path: '/api/v1/training-jobs/{TrainingJobName}/stop' },
});
export const GetTrainingJobLogs = defineOperation({
  ...base, aws: false, name: 'GetTrainingJobLogs', kind: 'describe',
  summary: "Reads a training job's log lines (stdout, stderr and the platform's own) from a position; follow it with NextForwardToken.",
  input: S.GetTrainingJobLogsInput, output: S.JobLogsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeTrainingJob', resource: job, rest: { method: 'GET', path: '/api/v1/training-jobs/{TrainingJobName}/logs' },
});
export const GetTrainingJobMetrics = defineOperation({
  ...base, aws: false, name: 'GetTrainingJobMetrics', kind: 'describe',
  summary: "Reads a training job's metric series (name, value, timestamp, step), for charts; paged with NextToken.",
  input: S.GetTrainingJobMetricsInput, output: S.GetTrainingJobMetricsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeTrainingJob', resource: job, rest: { method: 'GET', path: '/api/v1/training-jobs/{TrainingJobName}/metrics' },
});

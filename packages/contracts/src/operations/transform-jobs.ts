import { readData, writeData } from '../data-access.js';
import { jobExperiment } from '../experiment-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/transform-jobs.js';
import { JobLogsOutput } from '../shapes/training-jobs.js';

const job = 'arn:loam:sagemaker:{Region}:{Account}:transform-job/{TransformJobName}';
const base = { capability: 'transform', aws: true, resource: job } as const;

export const CreateTransformJob = defineOperation({
  ...base, name: 'CreateTransformJob', kind: 'create',
  summary: 'Scores a whole dataset offline with a model: split, batch, filter and join as SageMaker does, output to <input key>.out.',
  input: S.CreateTransformJobInput, output: S.CreateTransformJobOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateTransformJob', rest: { method: 'POST', path: '/api/v1/transform-jobs' },
  dataAccess: (i) => [
    readData('/TransformInput/DataSource/S3DataSource/S3Uri', i.TransformInput.DataSource.S3DataSource.S3Uri, i.TransformInput.DataSource.S3DataSource.S3DataType, { mustHoldObjects: true }),
    ...writeData('/TransformOutput/S3OutputPath', i.TransformOutput.S3OutputPath),
    ...(i.DataCaptureConfig ? writeData('/DataCaptureConfig/DestinationS3Uri', i.DataCaptureConfig.DestinationS3Uri) : []),
  ],
  // The job is a run and trial component in the experiment and trial ExperimentConfig names (TrainingJobRunSync).
  experimentAccess: (i) => jobExperiment('transform job', i.ExperimentConfig),
});
export const DescribeTransformJob = defineOperation({
  ...base, name: 'DescribeTransformJob', kind: 'describe', summary: 'Describes a transform job: its settings, status and failure reason.',
  input: S.DescribeTransformJobInput, output: S.DescribeTransformJobOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeTransformJob', rest: { method: 'GET', path: '/api/v1/transform-jobs/{TransformJobName}' },
});
export const ListTransformJobs = defineOperation({
  ...base, name: 'ListTransformJobs', kind: 'list', resource: '*', summary: 'Lists transform jobs, filtered by name, status and time, sorted and paged.',
  input: S.ListTransformJobsInput, output: S.ListTransformJobsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListTransformJobs', rest: { method: 'GET', path: '/api/v1/transform-jobs' },
});
export const StopTransformJob = defineOperation({
  ...base, name: 'StopTransformJob', kind: 'action', summary: 'Stops a transform job; outputs of files not finished are not written.',
  input: S.StopTransformJobInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:StopTransformJob', rest: { method: 'POST', path: '/api/v1/transform-jobs/{TransformJobName}/stop' },
});
export const GetTransformJobLogs = defineOperation({
  ...base, aws: false, name: 'GetTransformJobLogs', kind: 'describe',
  summary: "Reads a transform job's log lines (the batch driver's and the model server's) from a position; follow it with NextForwardToken.",
  input: S.GetTransformJobLogsInput, output: JobLogsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeTransformJob', rest: { method: 'GET', path: '/api/v1/transform-jobs/{TransformJobName}/logs' },
});

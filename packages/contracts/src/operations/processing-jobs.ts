import { readData, writeData } from '../data-access.js';
import { jobExperiment } from '../experiment-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/processing-jobs.js';
import { JobLogsOutput } from '../shapes/training-jobs.js';

const job = 'arn:loam:sagemaker:{Region}:{Account}:processing-job/{ProcessingJobName}';
const base = { capability: 'processing-jobs', aws: true } as const;

export const CreateProcessingJob = defineOperation({
  ...base, name: 'CreateProcessingJob', kind: 'create',
  summary: 'Starts a processing job: stages ProcessingInputs, runs the image with its entrypoint and arguments, uploads ProcessingOutputs.',
  input: S.CreateProcessingJobInput, output: S.CreateProcessingJobOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateProcessingJob', resource: job, rest: { method: 'POST', path: '/api/v1/processing-jobs' },
  dataAccess: (i) => [
    ...(i.ProcessingInputs ?? []).flatMap((p, n) => (p.S3Input ? [readData(`/ProcessingInputs/${n}/S3Input/S3Uri`, p.S3Input.S3Uri, p.S3Input.S3DataType)] : [])),
    ...(i.ProcessingOutputConfig?.Outputs ?? []).flatMap((o, n) => (o.S3Output ? writeData(`/ProcessingOutputConfig/Outputs/${n}/S3Output/S3Uri`, o.S3Output.S3Uri) : [])),
  ],
  // The job is a run and trial component in the experiment and trial ExperimentConfig names (TrainingJobRunSync).
  experimentAccess: (i) => jobExperiment('processing job', i.ExperimentConfig),
});
export const DescribeProcessingJob = defineOperation({
  ...base, name: 'DescribeProcessingJob', kind: 'describe', summary: 'Describes a processing job: status, exit message, failure reason, timings.',
  input: S.DescribeProcessingJobInput, output: S.DescribeProcessingJobOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeProcessingJob', resource: job, rest: { method: 'GET', path: '/api/v1/processing-jobs/{ProcessingJobName}' },
});
export const ListProcessingJobs = defineOperation({
  ...base, name: 'ListProcessingJobs', kind: 'list', summary: 'Lists processing jobs, filtered by name, status and time, sorted and paged.',
  input: S.ListProcessingJobsInput, output: S.ListProcessingJobsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListProcessingJobs', resource: '*', rest: { method: 'GET', path: '/api/v1/processing-jobs' },
});
export const StopProcessingJob = defineOperation({
  ...base, name: 'StopProcessingJob', kind: 'action', summary: 'Stops a processing job: SIGTERM to its processes, SIGKILL after the grace period.',
  input: S.StopProcessingJobInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:StopProcessingJob', resource: job, rest: { method: 'POST', path: '/api/v1/processing-jobs/{ProcessingJobName}/stop' },
});
export const GetProcessingJobLogs = defineOperation({
  ...base, aws: false, name: 'GetProcessingJobLogs', kind: 'describe',
  summary: "Reads a processing job's log lines from a position; follow it with NextForwardToken.",
  input: S.GetProcessingJobLogsInput, output: JobLogsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeProcessingJob', resource: job, rest: { method: 'GET', path: '/api/v1/processing-jobs/{ProcessingJobName}/logs' },
});

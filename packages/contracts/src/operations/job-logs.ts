import { cloudWatchLogsService } from '../aws-services.js';
import { defineOperation } from '../operation.js';
import * as S from '../shapes/job-logs.js';

// CloudWatch Logs' read operations over the logs of training, processing and transform jobs and of endpoints'
// model servers (/aws/sagemaker/Endpoints/<name>, one stream per instance), on its own AWS
// protocol (`Logs_20140328.<name>`, signing name `logs`) as well as REST. Authorized as CloudWatch Logs
// authorizes them: on the log group, and GetLogEvents on the log stream.
const base = { capability: 'job-logs', aws: true, awsService: cloudWatchLogsService, resourceNames: S.logGroupOfRequest } as const;
const group = 'arn:loam:logs:{Region}:{Account}:log-group:{logGroupName}';

export const DescribeLogGroups = defineOperation({
  ...base, name: 'DescribeLogGroups', kind: 'list',
  summary: "Lists the jobs' log groups (/aws/sagemaker/TrainingJobs, ProcessingJobs, TransformJobs) and one per endpoint (/aws/sagemaker/Endpoints/<name>), as CloudWatch Logs does.",
  input: S.DescribeLogGroupsInput, output: S.DescribeLogGroupsOutput, errors: ['ValidationException'],
  iamAction: 'logs:DescribeLogGroups', resource: 'arn:loam:logs:{Region}:{Account}:log-group:*', rest: { method: 'GET', path: '/api/v1/log-groups' },
});
export const DescribeLogStreams = defineOperation({
  ...base, name: 'DescribeLogStreams', kind: 'list',
  summary: "Lists a log group's streams by name prefix, as CloudWatch Logs does: one per host of each started job (<job>/algo-1-<start epoch>), or one per model-server instance of an endpoint (<variant>/<instance id>).",
  input: S.DescribeLogStreamsInput, output: S.DescribeLogStreamsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'logs:DescribeLogStreams', resource: group, rest: { method: 'GET', path: '/api/v1/log-streams' },
});
export const GetLogEvents = defineOperation({
  ...base, name: 'GetLogEvents', kind: 'describe',
  summary: "Reads a stream's lines (a job host's, a model-server instance's) as CloudWatch Logs events (epoch ms), forward from a token or a start time, as Estimator.fit(logs=True) and aws logs get-log-events read them.",
  input: S.GetLogEventsInput, output: S.GetLogEventsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'logs:GetLogEvents', resource: `${group}:log-stream:{logStreamName}`, rest: { method: 'GET', path: '/api/v1/log-events' },
});
export const FilterLogEvents = defineOperation({
  ...base, name: 'FilterLogEvents', kind: 'list',
  summary: "Searches a log group's streams (by names or a prefix) for events in a time window that match a filter pattern, as aws logs tail and boto3's filter_log_events read them.",
  input: S.FilterLogEventsInput, output: S.FilterLogEventsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'logs:FilterLogEvents', resource: group, rest: { method: 'GET', path: '/api/v1/log-group-events' },
});

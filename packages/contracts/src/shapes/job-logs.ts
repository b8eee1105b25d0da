import { Type } from '@sinclair/typebox';
import { Input, Output } from './common.js';

// CloudWatch Logs' own shapes (camelCase members; times are epoch milliseconds, integers), for the log
// groups SageMaker writes its jobs' logs and its endpoints' model servers' output to. Members botocore sends
// that Loam has no use for are accepted.

/** The jobs' log groups Loam serves, one per kind of job, as SageMaker names them (and one per endpoint, /aws/sagemaker/Endpoints/<name>). */
export const jobLogGroups = ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/TransformJobs'] as const;
export type JobLogGroup = (typeof jobLogGroups)[number];

const LogGroupName = Type.String({ minLength: 1, maxLength: 512, pattern: '^[.\\-_/#A-Za-z0-9]+$', description: `One of ${jobLogGroups.join(', ')}, or /aws/sagemaker/Endpoints/<endpoint name>.` });
const LogGroupIdentifier = Type.String({ minLength: 1, maxLength: 2048, pattern: '^[\\w#+=/:,.@-]*$', description: 'The log group by name or ARN.' });
const LogStreamName = Type.String({ minLength: 1, maxLength: 512, pattern: '^[^:*]*$' });
const EpochMillis = Type.Integer({ minimum: 0, description: 'Epoch milliseconds.' });
const Token = Type.String({ minLength: 1, maxLength: 8192, description: 'Opaque token from a previous page.' });

export const DescribeLogStreamsInput = Input({
  logGroupName: Type.Optional(LogGroupName),
  logGroupIdentifier: Type.Optional(LogGroupIdentifier),
  logStreamNamePrefix: Type.Optional(LogStreamName),
  orderBy: Type.Optional(Type.Union([Type.Literal('LogStreamName'), Type.Literal('LastEventTime')])),
  descending: Type.Optional(Type.Boolean()),
  nextToken: Type.Optional(Token),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Streams per page, default 50.' })),
});
export const LogStream = Type.Object({
  logStreamName: Type.String({ description: "A job's: <job name>/<host>-<epoch seconds the job started>, e.g. my-job/algo-1-1795872581; an endpoint's: <variant name>/<instance id>, e.g. AllTraffic/my-ep-alltraffic-1." }),
  creationTime: EpochMillis,
  firstEventTimestamp: Type.Optional(EpochMillis),
  lastEventTimestamp: Type.Optional(EpochMillis),
  lastIngestionTime: Type.Optional(EpochMillis),
  arn: Type.String(),
  storedBytes: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const DescribeLogStreamsOutput = Output({ logStreams: Type.Array(LogStream), nextToken: Type.Optional(Type.String()) });

export const GetLogEventsInput = Input({
  logGroupName: Type.Optional(LogGroupName),
  logGroupIdentifier: Type.Optional(LogGroupIdentifier),
  logStreamName: LogStreamName,
  startTime: Type.Optional(EpochMillis),
  endTime: Type.Optional(EpochMillis),
  nextToken: Type.Optional(Token),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Events per page, default 10,000.' })),
  startFromHead: Type.Optional(Type.Boolean({ description: 'Read from the first event (default: the last `limit` events).' })),
  unmask: Type.Optional(Type.Boolean({ description: 'Accepted; Loam masks nothing.' })),
});
export const OutputLogEvent = Type.Object({ timestamp: EpochMillis, message: Type.String(), ingestionTime: EpochMillis });
export const GetLogEventsOutput = Output({
  events: Type.Array(OutputLogEvent),
  nextForwardToken: Type.String({ description: 'Pass back to read on; the same token comes back when no newer event exists yet.' }),
  nextBackwardToken: Type.String(),
});

export const FilterLogEventsInput = Input({
  logGroupName: Type.Optional(LogGroupName),
  logGroupIdentifier: Type.Optional(LogGroupIdentifier),
  logStreamNames: Type.Optional(Type.Array(LogStreamName, { minItems: 1, maxItems: 100 })),
  logStreamNamePrefix: Type.Optional(LogStreamName),
  startTime: Type.Optional(EpochMillis),
  endTime: Type.Optional(EpochMillis),
  filterPattern: Type.Optional(Type.String({ maxLength: 1024, description: 'Terms that must all appear (case-sensitive), "quoted phrases", ?term for any of several, -term to exclude; JSON and space-delimited patterns are refused.' })),
  nextToken: Type.Optional(Token),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Events per page, default 10,000.' })),
  interleaved: Type.Optional(Type.Boolean({ description: 'Deprecated by CloudWatch Logs; accepted and ignored.' })),
  unmask: Type.Optional(Type.Boolean({ description: 'Accepted; Loam masks nothing.' })),
});
export const FilteredLogEvent = Type.Object({ logStreamName: Type.String(), timestamp: EpochMillis, message: Type.String(), ingestionTime: EpochMillis, eventId: Type.String() });
export const FilterLogEventsOutput = Output({
  events: Type.Array(FilteredLogEvent, { description: "In each job's (endpoint instance's) order of writing, jobs (instances) by the time they started." }),
  searchedLogStreams: Type.Array(Type.Object({ logStreamName: Type.String(), searchedCompletely: Type.Boolean() })),
  nextToken: Type.Optional(Type.String()),
});

export const DescribeLogGroupsInput = Input({
  accountIdentifiers: Type.Optional(Type.Array(Type.String({ maxLength: 12 }), { maxItems: 20 })),
  logGroupNamePrefix: Type.Optional(LogGroupName),
  logGroupNamePattern: Type.Optional(Type.String({ maxLength: 512 })),
  nextToken: Type.Optional(Token),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  includeLinkedAccounts: Type.Optional(Type.Boolean()),
  logGroupClass: Type.Optional(Type.String({ maxLength: 32 })),
});
export const LogGroup = Type.Object({ logGroupName: Type.String(), creationTime: EpochMillis, arn: Type.String(), logGroupArn: Type.String(), storedBytes: Type.Integer({ minimum: 0 }), metricFilterCount: Type.Integer({ minimum: 0 }) });
export const DescribeLogGroupsOutput = Output({ logGroups: Type.Array(LogGroup), nextToken: Type.Optional(Type.String()) });

/**
 * The log group a request names: `logGroupName`, else the name inside `logGroupIdentifier` (a name, or an ARN
 * `…:log-group:<name>` with or without `:*`). Any value, since authorization reads it before validation; the
 * handler reads the group through the same function, so the group authorized is the group read.
 */
export function logGroupNameOf(input: { readonly logGroupName?: unknown; readonly logGroupIdentifier?: unknown }): string | undefined {
  if (typeof input.logGroupName === 'string' && input.logGroupName !== '') return input.logGroupName;
  const id = input.logGroupIdentifier;
  if (typeof id !== 'string' || id === '') return undefined;
  const m = /^arn:[^:]*:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(id);
  return m ? m[1] : id;
}

/** {@link logGroupNameOf} as the operation table's `resourceNames`, for authorization. */
export function logGroupOfRequest(input: Readonly<Record<string, unknown>>): { logGroupName?: string } {
  const logGroupName = logGroupNameOf(input);
  return logGroupName === undefined ? {} : { logGroupName };
}

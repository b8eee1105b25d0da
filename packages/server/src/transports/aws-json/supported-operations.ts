import type { Operation } from '@loam/contracts';
import { unsupportedMembers } from '../../operations/unsupported-members.js';
import { s3Operations } from '../s3/s3-operations.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Documented members Loam takes but implements in part: what they do on Loam. */
const partialMembers: readonly (readonly [operation: string, member: string, onLoam: string])[] = [
  ['CreateTrainingJob', 'TensorBoardOutputConfig', 'The files the job leaves under LocalPath (default `/opt/ml/output/tensorboard`) are uploaded to `<S3OutputPath>/<job name>/tensorboard-output/` when the job ends, also when it fails or is stopped; the config is in `/opt/ml/input/config/tensorboardoutputconfig.json`.'],
  ['CreateTrainingJob', 'DebugHookConfig', 'Written to `/opt/ml/input/config/debughookconfig.json`, where smdebug reads it (LocalPath default `/opt/ml/output/tensors`); the files under LocalPath are uploaded to `<S3OutputPath>/<job name>/debug-output/` when the job ends.'],
  ['CreateTrainingJob', 'DebugRuleConfigurations, ProfilerRuleConfigurations', 'Accepted and returned, not evaluated: Loam does not run rule evaluation containers, so DescribeTrainingJob reports each rule in DebugRuleEvaluationStatuses / ProfilerRuleEvaluationStatuses with RuleEvaluationStatus `Error` and StatusDetails saying so.'],
  ['CreateTrainingJob', 'ProfilerConfig', 'Stored and returned; ProfilingStatus is `Disabled` when DisableProfiler is true, else `Enabled`. Loam produces no profiling data (no system or framework metrics are written to S3OutputPath).'],
  ['ListTrainingJobs', 'WarmPoolStatusEquals', 'Accepted. Loam keeps no warm pools, so no job has a WarmPoolStatus and a filter on any status lists no jobs (as SageMaker answers for jobs without a warm pool).'],
];

/**
 * `docs/supported-operations.md`, generated from the operation table (and the S3 and Runtime
 * transports): what each AWS client can call on Loam. Regenerate with
 * `npx tsx --conditions=loam-src scripts/supported-operations.ts`; a test fails when it drifts.
 */
export function renderSupportedOperations(ops: readonly Operation[]): string {
  const aws = ops.filter((o) => o.aws).sort((a, b) => a.name.localeCompare(b.name));
  const loamOnly = ops.filter((o) => !o.aws).sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    '# Supported operations',
    '',
    '<!-- Generated from the operation table by scripts/supported-operations.ts. Do not edit by hand. -->',
    '',
    `Loam answers ${aws.length} SageMaker operations over the AWS JSON 1.1 protocol, SageMaker Runtime's`,
    `InvokeEndpoint, and ${s3Operations.length} S3 operations, all on the port \`loam up\` prints. Any other`,
    '`X-Amz-Target` answers `UnknownOperationException`; any other S3 subresource answers `NotImplemented`.',
    'See [aws-clients.md](aws-clients.md) for boto3, the JavaScript SDK and the aws CLI.',
    '',
    '## SageMaker (AWS JSON 1.1, `POST /`, signing name `sagemaker`)',
    '',
    '| Operation | X-Amz-Target | IAM action | Resource | What it does |',
    '|---|---|---|---|---|',
    ...aws.map((o) => `| ${o.name} | \`SageMaker.${o.name}\` | \`${o.iamAction}\` | ${[o.resource, ...(o.alsoOn ?? [])].map((r) => `\`${cell(r)}\``).join(' and ')} | ${cell(o.summary)} |`),
    '',
    '### Members with limits',
    '',
    'Documented request members Loam takes but implements in part, and those it refuses by name (400',
    '`ValidationException` saying Loam does not support it) rather than as an unknown member.',
    '',
    '| Operation | Member | On Loam |',
    '|---|---|---|',
    ...partialMembers.map(([op, member, onLoam]) => `| ${op} | ${member} | ${cell(onLoam)} |`),
    ...Object.entries(unsupportedMembers).flatMap(([op, members]) => Object.entries(members).map(([member, why]) => `| ${op} | ${member} | Refused: ${cell(why)}. |`)),
    '',
    '## SageMaker Runtime (REST-JSON, signing name `sagemaker`, or a bearer token)',
    '',
    '| Operation | Request | IAM action |',
    '|---|---|---|',
    '| InvokeEndpoint | `POST /endpoints/{EndpointName}/invocations` | `sagemaker:InvokeEndpoint` on `arn:loam:sagemaker:{Region}:{Account}:endpoint/{EndpointName}` |',
    '',
    '## S3 (REST-XML, signing name `s3`, path-style or `<bucket>.localhost`)',
    '',
    '| Operation | Request | IAM action (on `arn:loam:s3:::bucket[/key]`) |',
    '|---|---|---|',
    ...s3Operations.map((o) => `| ${o.name} | \`${cell(o.request)}\` | ${cell(o.iamAction)} |`),
    '',
    '## Loam-only operations (REST API `/api/v1`, not on the AWS protocol)',
    '',
    '| Operation | REST | IAM action |',
    '|---|---|---|',
    ...loamOnly.map((o) => `| ${o.name} | \`${o.rest.method} ${o.rest.path}\` | \`${o.iamAction}\` |`),
    '',
  ];
  return lines.join('\n');
}

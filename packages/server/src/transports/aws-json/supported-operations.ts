import { sageMakerService, type AwsService, type Operation } from '@loam/contracts';
import { unsupportedMembers } from '../../operations/unsupported-members.js';
import { s3Operations } from '../s3/s3-operations.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');
/** The IAM action column: the action, and what else authorization checks or filters. */
const iamCell = (o: Operation) => `\`${o.iamAction}\`${o.authorizationNote ? `. ${cell(o.authorizationNote)}` : ''}`;

/** Documented members Loam takes but implements in part: what they do on Loam. */
const partialMembers: readonly (readonly [operation: string, member: string, onLoam: string])[] = [
  ['CreateTrainingJob', 'TensorBoardOutputConfig', 'The files the job leaves under LocalPath (default `/opt/ml/output/tensorboard`) are uploaded to `<S3OutputPath>/<job name>/tensorboard-output/` when the job ends, also when it fails or is stopped; the config is in `/opt/ml/input/config/tensorboardoutputconfig.json`.'],
  ['CreateTrainingJob', 'DebugHookConfig', 'Written to `/opt/ml/input/config/debughookconfig.json`, where smdebug reads it (LocalPath default `/opt/ml/output/tensors`); the files under LocalPath are uploaded to `<S3OutputPath>/<job name>/debug-output/` when the job ends.'],
  ['CreateTrainingJob', 'DebugRuleConfigurations, ProfilerRuleConfigurations', 'Accepted and returned, not evaluated: Loam does not run rule evaluation containers, so DescribeTrainingJob reports each rule in DebugRuleEvaluationStatuses / ProfilerRuleEvaluationStatuses with RuleEvaluationStatus `Error` and StatusDetails saying so.'],
  ['CreateTrainingJob', 'ProfilerConfig', 'Stored and returned; ProfilingStatus is `Disabled` when DisableProfiler is true, else `Enabled`. Loam produces no profiling data (no system or framework metrics are written to S3OutputPath).'],
  ['CreateTrainingJob', 'InputDataConfig.n.ShuffleConfig', 'A `ShardedByS3Key` channel\'s objects (S3Prefix keys in key order, ManifestFile entries in the manifest\'s order) are shuffled with Seed before they are dealt to the hosts: the same deal on every host, run and retry for a seed, but Loam\'s permutation (Fisher–Yates over SplitMix64), not SageMaker\'s. A File-mode channel is staged once; a Pipe-mode channel of a script or process image is reshuffled every epoch (FIFOs `/opt/ml/input/data/<channel>_<epoch>`, docs/script-mode.md); the built-in algorithms read Pipe channels as staged files. Seed is a Long in SageMaker; Loam takes -9007199254740991 to 9007199254740991 (±(2^53 − 1), what a JSON number carries exactly) and refuses a seed past that with a 400 naming the member. Also in a tuning job\'s training job definitions.'],
  ['CreateProcessingJob', 'ProcessingInputs.n.S3Input.S3InputMode', 'File only: inputs are staged as files under LocalPath. `Pipe` is refused with a 400 naming the member, because SageMaker documents that Pipe mode streams a processing input into named pipes but not where they appear relative to LocalPath nor how many epochs there are (ADR 0007). Pipe mode is available for training channels of script and process images (FIFOs `/opt/ml/input/data/<channel>_<epoch>`, docs/script-mode.md).'],
  ['CreateTrainingJob, CreateProcessingJob (NetworkConfig), CreateModel, CreateEndpointConfig, CreateHyperParameterTuningJob', 'VpcConfig', 'Checked as SageMaker checks it, recorded and returned by Describe; not applied: Loam has no VPC, jobs and endpoints run on the machine\'s own network (`EnableNetworkIsolation` is what cuts a job off).'],
  ['CreateTrainingJob, CreateProcessingJob, CreateTransformJob, CreateEndpointConfig', 'KmsKeyId, VolumeKmsKeyId', 'Checked as SageMaker checks a key id, key ARN, alias or alias ARN, recorded and returned by Describe; nothing is encrypted with the key (Loam has no KMS).'],
  ['ListTrainingJobs', 'WarmPoolStatusEquals', 'Accepted. Loam keeps no warm pools, so no job has a WarmPoolStatus and a filter on any status lists no jobs (as SageMaker answers for jobs without a warm pool).'],
];

/**
 * `docs/supported-operations.md`, generated from the operation table (and the S3 and Runtime
 * transports): what each AWS client can call on Loam. Regenerate with
 * `npx tsx --conditions=loam-src scripts/supported-operations.ts`; a test fails when it drifts.
 */
export function renderSupportedOperations(ops: readonly Operation[]): string {
  const sorted = [...ops].sort((a, b) => a.name.localeCompare(b.name));
  const aws = sorted.filter((o) => o.aws && (o.awsService ?? sageMakerService) === sageMakerService);
  const others = [...new Set(sorted.filter((o) => o.aws && o.awsService && o.awsService !== sageMakerService).map((o) => o.awsService as AwsService))];
  const row = (o: Operation, s: AwsService) => `| ${o.name} | \`${s.protocol === 'json' ? `${s.targetPrefix}.${o.name}` : `Action=${o.name}`}\`${s.protocol === 'query' && s.json ? ` or \`${s.json.targetPrefix}.${o.name}\`` : ''} | ${iamCell(o)} | ${[o.resource, ...(o.alsoOn ?? [])].map((r) => `\`${cell(r)}\``).join(' and ')} | ${cell(o.summary)} |`;
  const loamOnly = sorted.filter((o) => !o.aws);
  const lines = [
    '# Supported operations',
    '',
    '<!-- Generated from the operation table by scripts/supported-operations.ts. Do not edit by hand. -->',
    '',
    `Loam answers ${aws.length} SageMaker operations${others.map((svc) => `, ${sorted.filter((o) => o.aws && o.awsService === svc).length} ${svc.clientName} operations`).join('')}, SageMaker Runtime's`,
    `InvokeEndpoint, and ${s3Operations.length} S3 operations, all on the port \`loam up\` prints. Any other`,
    '`X-Amz-Target` answers `UnknownOperationException`, any other query `Action` `InvalidAction`; any other S3',
    'subresource answers `NotImplemented`.',
    'See [aws-clients.md](aws-clients.md) for boto3, the JavaScript SDK and the aws CLI.',
    '',
    '## SageMaker (AWS JSON 1.1, `POST /`, signing name `sagemaker`)',
    '',
    '| Operation | X-Amz-Target | IAM action | Resource | What it does |',
    '|---|---|---|---|---|',
    ...aws.map((o) => row(o, sageMakerService)),
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
    ...others.flatMap((svc) => [
      svc.protocol === 'json'
        ? `## ${svc.clientName} (AWS JSON 1.1, \`POST /\`, signing name \`${svc.signingName}\`)`
        : `## ${svc.clientName} (AWS query protocol: form \`POST /\`, XML answers, signing name \`${svc.signingName}\`, Version \`${svc.apiVersion}\`${svc.json ? `; or AWS JSON ${svc.json.jsonVersion}, \`X-Amz-Target: ${svc.json.targetPrefix}.<Action>\`, as newer botocore sends` : ''})`,
      '',
      `The operations boto3's \`${svc.clientName}\` client calls that Loam serves (also on the REST API;`,
      `what each takes is in [aws-clients.md](aws-clients.md)). Errors use the service's names${svc.errorCodes ? ` (${Object.entries(svc.errorCodes).filter(([loam, named]) => loam !== named).map(([loam, named]) => `\`${named}\` for ${loam}`).join(', ')})` : ''}.`,
      '',
      `| Operation | ${svc.protocol === 'json' ? 'X-Amz-Target' : svc.json ? 'Action or X-Amz-Target' : 'Action'} | IAM action | Resource | What it does |`,
      '|---|---|---|---|---|',
      ...sorted.filter((o) => o.aws && o.awsService === svc).map((o) => row(o, svc)),
      '',
    ]),
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
    ...loamOnly.map((o) => `| ${o.name} | \`${o.rest.method} ${o.rest.path}\` | ${iamCell(o)} |`),
    '',
  ];
  return lines.join('\n');
}

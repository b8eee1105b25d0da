import type { Command } from 'commander';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { printError, printRecord, printResult } from '../output.js';
import { envPairs } from '../env-pairs.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { optionalWholeNumber, wholeNumber } from '../flags.js';
import { following, progressLine, sleep } from '../follow.js';

interface TransformFlags {
  model: string;
  input: string;
  output: string;
  contentType?: string;
  split: string;
  strategy?: string;
  maxPayload?: string;
  concurrency?: string;
  accept?: string;
  assemble: string;
  inputFilter?: string;
  outputFilter?: string;
  join?: boolean;
  instanceCount: string;
  instanceType: string;
  env?: string[];
  wait: boolean;
  json?: boolean;
}

type Described = Awaited<ReturnType<LoamClient['DescribeTransformJob']>>;

/** Polls until the job ends, printing each status change (a record with --json). */
async function waitDone(client: LoamClient, name: string, json: boolean): Promise<Described> {
  let last = '';
  for (;;) {
    const d = await client.DescribeTransformJob({ TransformJobName: name });
    const line = `${d.TransformJobStatus}${d.FailureReason ? `: ${d.FailureReason}` : ''}`;
    if (line !== last) {
      if (json) printRecord('status', { TransformJobName: name, TransformJobStatus: d.TransformJobStatus, ...(d.FailureReason ? { FailureReason: d.FailureReason } : {}) });
      else process.stdout.write(progressLine(line));
      last = line;
    }
    if (!['InProgress', 'Stopping'].includes(d.TransformJobStatus)) return d;
    await sleep(500);
  }
}

/**
 * `loam transform <job>`: a batch transform job in one command, waiting for it by default.
 *   loam transform score-0426 --model churn --input s3://data/today/ --output s3://scores/today \
 *     --content-type text/csv --split Line --input-filter '$[1:]' --join --output-filter '$[0,-1]'
 * Prints each status change while waiting, then the job. With --json: JSON Lines — created,
 * status…, description (with --no-wait, the description as one JSON document).
 */
export function registerTransformCommand(program: Command): void {
  program.command('transform <jobName>')
    .description('Score a dataset offline with a model (a batch transform job) and wait for it.')
    .requiredOption('--model <name>', 'the model to run')
    .requiredOption('--input <s3uri>', 'input prefix (every object under it is transformed)')
    .requiredOption('--output <s3uri>', 'output prefix: <input key>.out for each input object')
    .option('--content-type <type>', 'input content type (text/csv, application/jsonlines, …)')
    .option('--split <type>', 'None | Line | RecordIO | TFRecord', 'Line')
    .option('--strategy <strategy>', 'MultiRecord | SingleRecord')
    .option('--max-payload <mb>', 'mini-batch size limit in MB (0 = one streamed request per file)')
    .option('--concurrency <n>', 'requests in flight (MaxConcurrentTransforms)')
    .option('--accept <type>', 'output content type')
    .option('--assemble <how>', 'None | Line', 'Line')
    .option('--input-filter <jsonpath>', 'DataProcessing.InputFilter')
    .option('--output-filter <jsonpath>', 'DataProcessing.OutputFilter')
    .option('--join', 'join each prediction to its input record (JoinSource Input)')
    .option('--instance-count <n>', 'instances (input objects are sharded across them)', '1')
    .option('--instance-type <type>', 'instance type', 'ml.m5.large')
    .option('--env <KEY=VALUE...>', 'the job\'s container environment, over the model\'s (e.g. DEEPAR_INFERENCE_CONFIG=<json>)')
    .option('--no-wait', 'return at once instead of waiting for the job to end')
    .option('--json', 'JSON Lines while waiting (created, status, description); the description with --no-wait')
    .action(async (jobName: string, o: TransformFlags) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const env = envPairs(o.env);
        const instanceCount = wholeNumber(o.instanceCount, '--instance-count');
        const maxPayload = optionalWholeNumber(o.maxPayload, '--max-payload', { min: 0 });
        const concurrency = optionalWholeNumber(o.concurrency, '--concurrency');
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const dp = { ...(o.inputFilter ? { InputFilter: o.inputFilter } : {}), ...(o.outputFilter ? { OutputFilter: o.outputFilter } : {}), ...(o.join ? { JoinSource: 'Input' } : {}) };
        await client.CreateTransformJob({
          TransformJobName: jobName, ModelName: o.model,
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: o.input } }, SplitType: o.split as never, ...(o.contentType ? { ContentType: o.contentType } : {}) },
          TransformOutput: { S3OutputPath: o.output, AssembleWith: o.assemble as never, ...(o.accept ? { Accept: o.accept } : {}) },
          TransformResources: { InstanceType: o.instanceType as never, InstanceCount: instanceCount },
          ...(o.strategy ? { BatchStrategy: o.strategy as never } : {}), ...(maxPayload !== undefined ? { MaxPayloadInMB: maxPayload } : {}),
          ...(concurrency !== undefined ? { MaxConcurrentTransforms: concurrency } : {}), ...(Object.keys(dp).length ? { DataProcessing: dp as never } : {}),
          ...(Object.keys(env).length ? { Environment: env } : {}),
        });
        if (o.wait && json) printRecord('created', { TransformJobName: jobName, ModelName: o.model });
        const result = o.wait
          ? await following(`transform job ${jobName}`, `loam stop-transform-job --transform-job-name ${jobName}`, () => waitDone(client, jobName, json), ` (watch it instead: loam describe-transform-job --transform-job-name ${jobName})`)
          : await client.DescribeTransformJob({ TransformJobName: jobName });
        if (o.wait && json) printRecord('description', { ...result });
        else printResult(result, json);
        if (['Failed', 'Stopped'].includes(result.TransformJobStatus)) process.exitCode = 1;
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}

import type { Command } from 'commander';
import { createLoamClient } from '@loam/sdk';
import { printError, printRecord, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { printJobLogs } from './logs.js';
import { InputError, wholeNumber } from '../flags.js';
import { following, sleep } from '../follow.js';
import { distributionHelp, inputDataConfig, shuffleHint, shuffleSeedHelp } from '../channel-flags.js';

interface TrainOptions {
  name?: string;
  image: string;
  channel: string[];
  hp: string[];
  output: string;
  instanceType: string;
  instanceCount: string;
  maxRuntime: string;
  metric: string[];
  role: string;
  isolate?: boolean;
  wait: boolean;
  logs?: boolean;
  contentType?: string;
  distribution?: string[];
  shuffleSeed?: string[];
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `name=value` → [name, value], splitting at the first `=` only (values may contain `=`). */
export function splitPair(s: string, what: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new InputError(`${what} '${s}' must look like name=value.`);
  return [s.slice(0, i), s.slice(i + 1)];
}

/**
 * The hint `loam train` and `loam tune` print when the built-in XGBoost gets channels without
 * --content-type: SageMaker then reads them as libsvm, and a CSV fails in the job with
 * "libsvm row 1: the label is not a number".
 */
export function contentTypeHint(o: { image: string; channel: readonly string[]; contentType?: string | undefined }): string | undefined {
  if (o.contentType !== undefined || o.channel.length === 0 || !/xgboost/i.test(o.image)) return undefined;
  return "hint: no --content-type: SageMaker's built-in XGBoost reads channels as libsvm by default; for CSV data pass --content-type text/csv.";
}

/** The CreateTrainingJob request `loam train` sends for its flags. */
export function trainRequest(o: TrainOptions, now = new Date()): Record<string, unknown> {
  const name = o.name ?? `train-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
  return {
    TrainingJobName: name,
    RoleArn: o.role,
    AlgorithmSpecification: {
      TrainingImage: o.image, TrainingInputMode: 'File',
      ...(o.metric.length ? { MetricDefinitions: o.metric.map((m) => splitPair(m, '--metric')).map(([Name, Regex]) => ({ Name, Regex })) } : {}),
    },
    HyperParameters: Object.fromEntries(o.hp.map((h) => splitPair(h, '--hp'))),
    InputDataConfig: inputDataConfig('train', o, 'FullyReplicated'),
    OutputDataConfig: { S3OutputPath: o.output },
    ResourceConfig: { InstanceType: o.instanceType, InstanceCount: wholeNumber(o.instanceCount, '--instance-count'), VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: wholeNumber(o.maxRuntime, '--max-runtime') },
    ...(o.isolate ? { EnableNetworkIsolation: true } : {}),
  };
}

/**
 * `loam train --image … --channel train=s3://… --hp k=v --output s3://…`: a friendly CreateTrainingJob
 * that then shows progress (status transitions and metrics, or the logs with --logs) until the job ends.
 * With --json (global or here): JSON Lines while following — {"event":"created"}, one "status" per
 * secondary status transition, one "metric" per new value (or one "log" per line with --logs), and
 * {"event":"description", …DescribeTrainingJob} at the end; with --no-wait, the description as JSON.
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Start a training job and follow it to the end (status, metrics, or --logs).')
    .requiredOption('--image <uri>', 'training image: a SageMaker built-in or framework image URI, or a process image from config')
    .option('--name <name>', 'job name (default: train-<timestamp>)')
    .option('--channel <name=s3uri>', 'an input channel (repeatable)', collect, [])
    .option('--content-type <type>', 'ContentType of every channel (e.g. text/csv; the built-in XGBoost defaults to libsvm)')
    .option('--distribution <[channel=]type>', distributionHelp('train'), collect, [])
    .option('--shuffle-seed <[channel=]n>', shuffleSeedHelp, collect, [])
    .option('--hp <name=value>', 'a hyperparameter, passed literally (repeatable)', collect, [])
    .option('--metric <name=regex>', 'a metric definition (repeatable)', collect, [])
    .requiredOption('--output <s3uri>', 'S3OutputPath for model.tar.gz')
    .option('--instance-type <type>', 'ml.* instance type', 'ml.m5.large')
    .option('--instance-count <n>', 'hosts', '1')
    .option('--max-runtime <seconds>', 'MaxRuntimeInSeconds', '86400')
    .option('--role <arn>', 'RoleArn recorded with the job', 'arn:aws:iam::000000000000:role/LoamExecution')
    .option('--isolate', 'EnableNetworkIsolation')
    .option('--logs', 'print the job logs instead of status and metrics')
    .option('--no-wait', 'return once the job is created')
    .option('--json', 'JSON Lines while following (created, status, metric or log, description); the description with --no-wait')
    .action(async (o: TrainOptions) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const req = trainRequest(o);
        for (const hint of [contentTypeHint(o), shuffleHint(req['InputDataConfig'] as Record<string, unknown>[])]) if (hint) process.stderr.write(`${hint}\n`);
        const name = req['TrainingJobName'] as string;
        const created = await client.CreateTrainingJob(req as never);
        if (!o.wait) {
          if (json) printResult(await client.DescribeTrainingJob({ TrainingJobName: name }), true);
          else process.stdout.write(`${created.TrainingJobArn}\n`);
          return;
        }
        if (json) printRecord('created', { TrainingJobName: name, TrainingJobArn: created.TrainingJobArn });
        else process.stdout.write(`${created.TrainingJobArn}\n`);
        await following(`training job ${name}`, `loam stop-training-job --training-job-name ${name}`, async () => {
          let seen = 0;
          const metrics = new Map<string, number>();
          let token: string | undefined;
          for (;;) {
            const d = await client.DescribeTrainingJob({ TrainingJobName: name });
            for (const t of (d.SecondaryStatusTransitions ?? []).slice(seen)) {
              if (json) printRecord('status', { TrainingJobName: name, Status: t.Status, StartTime: t.StartTime, ...(t.StatusMessage ? { StatusMessage: t.StatusMessage } : {}) });
              else process.stdout.write(`${new Date(t.StartTime * 1000).toISOString()}  ${t.Status}${t.StatusMessage ? `: ${t.StatusMessage}` : ''}\n`);
            }
            seen = d.SecondaryStatusTransitions?.length ?? seen;
            if (o.logs) token = await printJobLogs(client, 'training', name, { follow: false, json, ...(token ? { token } : {}) });
            else {
              for (const m of d.FinalMetricDataList ?? []) {
                if (metrics.get(m.MetricName) === m.Value) continue;
                metrics.set(m.MetricName, m.Value);
                if (json) printRecord('metric', { TrainingJobName: name, MetricName: m.MetricName, Value: m.Value, Timestamp: m.Timestamp });
                else process.stdout.write(`  ${m.MetricName} = ${m.Value}\n`);
              }
            }
            if (['Completed', 'Failed', 'Stopped'].includes(d.TrainingJobStatus)) {
              process.exitCode = d.TrainingJobStatus === 'Completed' ? 0 : 1;
              if (json) {
                printRecord('description', { ...d });
                return;
              }
              if (d.FailureReason) process.stderr.write(`FailureReason: ${d.FailureReason}\n`);
              if (d.ModelArtifacts?.S3ModelArtifacts) process.stdout.write(`model: ${d.ModelArtifacts.S3ModelArtifacts}\n`);
              return;
            }
            await sleep(1000);
          }
        }, ` (follow it again: loam logs -f ${name})`);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}

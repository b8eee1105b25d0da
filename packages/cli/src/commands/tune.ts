import type { Command } from 'commander';
import { createLoamClient } from '@loam/sdk';
import { printError, printRecord, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { contentTypeHint, splitPair } from './train.js';
import { decimal, InputError, optionalWholeNumber, wholeNumber } from '../flags.js';
import { following, sleep } from '../follow.js';
import { distributionHelp, inputDataConfig, shuffleHint, shuffleSeedHelp } from '../channel-flags.js';

interface TuneOptions {
  name?: string;
  image: string;
  strategy: string;
  objective: string;
  maxJobs?: string;
  parallel: string;
  int: string[];
  float: string[];
  cat: string[];
  channel: string[];
  contentType?: string;
  distribution?: string[];
  shuffleSeed?: string[];
  hp: string[];
  metric: string[];
  output: string;
  instanceType: string;
  maxRuntime: string;
  role: string;
  earlyStopping?: boolean;
  hyperband?: string;
  warmStart: string[];
  warmStartType: string;
  seed?: string;
  target?: string;
  maxNotImproving?: string;
  completeOnConvergence?: boolean;
  wait: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const scaling: Record<string, string> = { auto: 'Auto', linear: 'Linear', log: 'Logarithmic', rlog: 'ReverseLogarithmic' };

/** `name=min:max[:linear|log|rlog|auto]` → a SageMaker numeric range. */
export function numericRange(spec: string, flag: string): Record<string, string> {
  const [name, body] = splitPair(spec, flag);
  const [min, max, scale] = body.split(':');
  if (min === undefined || max === undefined || min === '' || max === '') throw new InputError(`${flag} '${spec}' must look like name=min:max[:linear|log|rlog|auto].`);
  if (scale !== undefined && !scaling[scale]) throw new InputError(`${flag} '${spec}': scaling must be linear, log, rlog or auto.`);
  return { Name: name, MinValue: min, MaxValue: max, ScalingType: scaling[scale ?? 'auto']! };
}

/** The CreateHyperParameterTuningJob request `loam tune` sends for its flags. */
export function tuneRequest(o: TuneOptions, now = new Date()): Record<string, unknown> {
  const name = o.name ?? `tune-${now.toISOString().replace(/[-:T]/g, '').slice(2, 14)}`;
  const objective = /^(Maximize|Minimize):(.+)$/i.exec(o.objective);
  if (!objective) throw new InputError(`--objective '${o.objective}' must look like Maximize:<metric> or Minimize:<metric>.`);
  const type = objective[1]!.toLowerCase() === 'maximize' ? 'Maximize' : 'Minimize';
  const hb = o.hyperband?.split(':');
  const target = o.target === undefined ? undefined : decimal(o.target, '--target');
  const notImproving = optionalWholeNumber(o.maxNotImproving, '--max-not-improving', { min: 3 });
  const maxJobs = optionalWholeNumber(o.maxJobs, '--max-jobs');
  if (maxJobs === undefined && o.strategy !== 'Grid') throw new InputError(`--max-jobs is required with the ${o.strategy} strategy (only Grid infers it, from the ranges).`);
  const parallel = wholeNumber(o.parallel, '--parallel');
  const seed = optionalWholeNumber(o.seed, '--seed', { min: 0, max: 2 ** 31 - 1 });
  const maxRuntime = wholeNumber(o.maxRuntime, '--max-runtime');
  if (hb && hb.length !== 2) throw new InputError(`--hyperband must look like min:max, got '${o.hyperband}'`);
  const hbRange = hb ? { MinResource: wholeNumber(hb[0]!, '--hyperband min'), MaxResource: wholeNumber(hb[1]!, '--hyperband max') } : undefined;
  const criteria = {
    ...(target !== undefined ? { TargetObjectiveMetricValue: target } : {}),
    ...(notImproving !== undefined ? { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: notImproving } } : {}),
    ...(o.completeOnConvergence ? { ConvergenceDetected: { CompleteOnConvergence: 'Enabled' } } : {}),
  };
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: o.strategy,
      HyperParameterTuningJobObjective: { Type: type, MetricName: objective[2] },
      ResourceLimits: { ...(maxJobs !== undefined ? { MaxNumberOfTrainingJobs: maxJobs } : {}), MaxParallelTrainingJobs: parallel },
      ParameterRanges: {
        ...(o.int.length ? { IntegerParameterRanges: o.int.map((s) => numericRange(s, '--int')) } : {}),
        ...(o.float.length ? { ContinuousParameterRanges: o.float.map((s) => numericRange(s, '--float')) } : {}),
        ...(o.cat.length ? { CategoricalParameterRanges: o.cat.map((s) => splitPair(s, '--cat')).map(([Name, v]) => ({ Name, Values: v.split(',') })) } : {}),
      },
      TrainingJobEarlyStoppingType: o.earlyStopping ? 'Auto' : 'Off',
      ...(hbRange ? { StrategyConfig: { HyperbandStrategyConfig: hbRange } } : {}),
      ...(seed !== undefined ? { RandomSeed: seed } : {}),
      ...(Object.keys(criteria).length > 0 ? { TuningJobCompletionCriteria: criteria } : {}),
    },
    TrainingJobDefinition: {
      StaticHyperParameters: Object.fromEntries(o.hp.map((h) => splitPair(h, '--hp'))),
      AlgorithmSpecification: {
        TrainingImage: o.image, TrainingInputMode: 'File',
        ...(o.metric.length ? { MetricDefinitions: o.metric.map((m) => splitPair(m, '--metric')).map(([Name, Regex]) => ({ Name, Regex })) } : {}),
      },
      RoleArn: o.role,
      InputDataConfig: inputDataConfig('tune', o),
      OutputDataConfig: { S3OutputPath: o.output },
      ResourceConfig: { InstanceType: o.instanceType, InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: maxRuntime },
    },
    ...(o.warmStart.length ? { WarmStartConfig: { WarmStartType: o.warmStartType, ParentHyperParameterTuningJobs: o.warmStart.map((HyperParameterTuningJobName) => ({ HyperParameterTuningJobName })) } } : {}),
  };
}

/**
 * `loam tune --image … --objective Maximize:validation:auc --int max_depth=2:8 --float eta=0.01:0.3:log …`:
 * a friendly CreateHyperParameterTuningJob that then shows progress (finished/running trials and the
 * best objective so far) until the tuning job ends, and prints the best training job. With --json
 * (global or here): JSON Lines while following — {"event":"created"}, one "progress" per change of
 * status, trial counts or best job, and {"event":"description", …DescribeHyperParameterTuningJob}.
 */
export function registerTuneCommand(program: Command): void {
  program
    .command('tune')
    .description('Start a hyperparameter tuning job and follow it to the end.')
    .requiredOption('--image <uri>', 'training image (a SageMaker built-in or framework image URI, or a process image)')
    .requiredOption('--objective <Maximize|Minimize:metric>', 'objective, e.g. Maximize:validation:auc')
    .requiredOption('--output <s3uri>', 'S3OutputPath for the training jobs')
    .option('--name <name>', 'tuning job name, at most 32 characters (default: tune-<timestamp>)')
    .option('--strategy <name>', 'Bayesian, Random, Grid or Hyperband', 'Bayesian')
    .option('--max-jobs <n>', 'MaxNumberOfTrainingJobs (required, except with Grid, which infers it)')
    .option('--parallel <n>', 'MaxParallelTrainingJobs', '2')
    .option('--int <name=min:max[:scale]>', 'an integer range; scale linear|log|auto (repeatable)', collect, [])
    .option('--float <name=min:max[:scale]>', 'a continuous range; scale linear|log|rlog|auto (repeatable)', collect, [])
    .option('--cat <name=v1,v2,…>', 'a categorical range (repeatable)', collect, [])
    .option('--channel <name=s3uri>', 'an input channel (repeatable)', collect, [])
    .option('--content-type <type>', 'ContentType of every channel')
    .option('--distribution <[channel=]type>', distributionHelp('tune'), collect, [])
    .option('--shuffle-seed <[channel=]n>', shuffleSeedHelp, collect, [])
    .option('--hp <name=value>', 'a static hyperparameter (repeatable)', collect, [])
    .option('--metric <name=regex>', 'a metric definition (repeatable)', collect, [])
    .option('--instance-type <type>', 'ml.* instance type', 'ml.m5.large')
    .option('--max-runtime <seconds>', 'MaxRuntimeInSeconds per training job', '86400')
    .option('--role <arn>', 'RoleArn recorded with the jobs', 'arn:aws:iam::000000000000:role/LoamExecution')
    .option('--early-stopping', 'TrainingJobEarlyStoppingType Auto (median rule)')
    .option('--hyperband <min:max>', 'HyperbandStrategyConfig MinResource:MaxResource')
    .option('--warm-start <parent>', 'a parent tuning job (repeatable)', collect, [])
    .option('--warm-start-type <type>', 'IdenticalDataAndAlgorithm or TransferLearning', 'IdenticalDataAndAlgorithm')
    .option('--seed <n>', 'RandomSeed')
    .option('--target <value>', 'TargetObjectiveMetricValue: end once the best objective reaches it')
    .option('--max-not-improving <n>', 'MaxNumberOfTrainingJobsNotImproving: end after n trials in a row do not beat the best')
    .option('--complete-on-convergence', 'ConvergenceDetected: end once no trial is expected to beat the best by more than 1 %')
    .option('--no-wait', 'return once the tuning job is created')
    .option('--json', 'JSON Lines while following (created, progress, description); the description with --no-wait')
    .action(async (o: TuneOptions) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const req = tuneRequest(o);
        const definition = req['TrainingJobDefinition'] as Record<string, unknown>;
        for (const hint of [contentTypeHint(o), shuffleHint(definition['InputDataConfig'] as Record<string, unknown>[])]) if (hint) process.stderr.write(`${hint}\n`);
        const name = req['HyperParameterTuningJobName'] as string;
        const created = await client.CreateHyperParameterTuningJob(req as never);
        if (!o.wait) {
          if (json) printResult(await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: name }), true);
          else process.stdout.write(`${created.HyperParameterTuningJobArn}\n`);
          return;
        }
        if (json) printRecord('created', { HyperParameterTuningJobName: name, HyperParameterTuningJobArn: created.HyperParameterTuningJobArn });
        else process.stdout.write(`${created.HyperParameterTuningJobArn}\n`);
        await following(`tuning job ${name}`, `loam stop-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name ${name}`, async () => {
          let last = '';
          for (;;) {
            const d = await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: name });
            const c = d.TrainingJobStatusCounters;
            const best = d.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric;
            const line = `${d.HyperParameterTuningJobStatus}  trials: ${c.Completed} completed, ${c.Stopped} stopped, ${c.NonRetryableError} failed, ${c.InProgress} running` +
              (best ? `  best ${best.MetricName} = ${best.Value} (${d.BestTrainingJob!.TrainingJobName})` : '');
            if (line !== last) {
              if (json) {
                printRecord('progress', {
                  HyperParameterTuningJobName: name, Status: d.HyperParameterTuningJobStatus, TrainingJobStatusCounters: c,
                  ...(d.BestTrainingJob ? { BestTrainingJob: { TrainingJobName: d.BestTrainingJob.TrainingJobName, FinalHyperParameterTuningJobObjectiveMetric: best } } : {}),
                });
              } else process.stdout.write(`${new Date().toISOString()}  ${line}\n`);
            }
            last = line;
            if (!['InProgress', 'Stopping'].includes(d.HyperParameterTuningJobStatus)) {
              if (json) {
                printRecord('description', { ...d });
                process.exitCode = d.HyperParameterTuningJobStatus === 'Completed' ? 0 : 1;
                return;
              }
              if (d.FailureReason) process.stderr.write(`FailureReason: ${d.FailureReason}\n`);
              const done = d.TuningJobCompletionDetails;
              if (done?.ConvergenceDetectedTime !== undefined) process.stdout.write(`converged at ${new Date(Number(done.ConvergenceDetectedTime) * 1000).toISOString()}\n`);
              if (done?.NumberOfTrainingJobsObjectiveNotImproving !== undefined) process.stdout.write(`trials since the best last improved: ${done.NumberOfTrainingJobsObjectiveNotImproving}\n`);
              if (d.BestTrainingJob) {
                const definition = d.BestTrainingJob.TrainingJobDefinitionName;
                process.stdout.write(`best training job: ${d.BestTrainingJob.TrainingJobName}${definition ? ` (definition ${definition})` : ''}\n`);
                for (const [k, v] of Object.entries(d.BestTrainingJob.TunedHyperParameters)) process.stdout.write(`  ${k} = ${v}\n`);
              }
              process.exitCode = d.HyperParameterTuningJobStatus === 'Completed' ? 0 : 1;
              return;
            }
            await sleep(1000);
          }
        }, ` (watch it instead: loam describe-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name ${name})`);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}

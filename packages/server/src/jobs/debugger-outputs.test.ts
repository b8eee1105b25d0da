import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, requireDebianPython, role, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

/**
 * A script that does what smdebug and a TensorBoard writer do: reads the configs SageMaker writes to
 * /opt/ml/input/config/ and leaves files under their LocalPaths (through SAGEMAKER_BASE_DIR, which is
 * /opt/ml in the sandbox and the job's directory without one). Fails after writing when FAIL is set.
 */
const script = `
import json, os, sys
base = os.environ['SAGEMAKER_BASE_DIR']
cfg = os.environ['SM_INPUT_CONFIG_DIR']
def here(p):
    assert p == '/opt/ml' or p.startswith('/opt/ml/'), p
    return base + p[len('/opt/ml'):]
hook = json.load(open(os.path.join(cfg, 'debughookconfig.json')))
tb = json.load(open(os.path.join(cfg, 'tensorboardoutputconfig.json')))
print('hook-config ' + json.dumps(hook, sort_keys=True))
print('tensorboard-config ' + json.dumps(tb, sort_keys=True))
os.makedirs(here(tb['LocalPath']) + '/run1', exist_ok=True)
open(here(tb['LocalPath']) + '/run1/events.out.tfevents.1', 'w').write('tb-events')
open(here(tb['LocalPath']) + '/scratch.sagemaker-ignore', 'w').write('not uploaded')
os.makedirs(here(hook['LocalPath']) + '/events/000000000000', exist_ok=True)
open(here(hook['LocalPath']) + '/events/000000000000/000000000000_worker_0.tfevents', 'w').write('tensors')
open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.txt'), 'w').write('m')
if os.environ.get('FAIL'):
    sys.exit('failing on purpose')
`;

function sourceTarGz(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'loam-dbg-'));
  try {
    writeFileSync(join(dir, 'train.py'), script);
    const out = join(dir, 'sourcedir.tar.gz');
    const r = spawnSync('tar', ['-czf', out, '-C', dir, 'train.py']);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  return (await loam.platform.artifacts.list({ bucket, prefix })).objects.map((o) => o.key).sort();
}

async function text(bucket: string, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of (await loam.platform.artifacts.get({ bucket, key })).body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** As the SageMaker Python SDK's framework estimators send a training job: debugger and profiler members included. */
function request(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TrainingJobName: name, RoleArn: role,
    AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File' },
    HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: '"s3://data/dbg/sourcedir.tar.gz"' },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/dbg/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/dbg' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    DebugHookConfig: { S3OutputPath: 's3://models/dbg/', CollectionConfigurations: [{ CollectionName: 'losses', CollectionParameters: { save_interval: '10' } }], HookParameters: { save_all: 'false' } },
    DebugRuleConfigurations: [{ RuleConfigurationName: 'LossNotDecreasing', RuleEvaluatorImage: '503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest', RuleParameters: { rule_to_invoke: 'LossNotDecreasing' } }],
    ProfilerConfig: { S3OutputPath: 's3://models/dbg', ProfilingIntervalInMilliseconds: 500 },
    ProfilerRuleConfigurations: [{ RuleConfigurationName: 'ProfilerReport', RuleEvaluatorImage: '503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest', RuleParameters: { rule_to_invoke: 'ProfilerReport' } }],
    TensorBoardOutputConfig: { S3OutputPath: 's3://models/tb' },
    ...over,
  };
}

async function start(): Promise<void> {
  requireDebianPython();
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  await a.ensureBucket('models');
  await a.put({ bucket: 'data', key: 'dbg/train/part-0.csv' }, Buffer.from(binaryCsv(20, 3)));
  await a.put({ bucket: 'data', key: 'dbg/sourcedir.tar.gz' }, sourceTarGz());
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('SageMaker Debugger and TensorBoard members of CreateTrainingJob', () => {
  it('writes the hook and TensorBoard configs for the image, uploads their LocalPaths under <S3OutputPath>/<job>/, and describes every member', async () => {
    const res = await call(loam, 'POST', '/api/v1/training-jobs', request('dbg-ok'));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const d = await waitForTrainingJob(loam, 'dbg-ok', 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe('Completed');
    // The image read SageMaker's config files, LocalPaths defaulted as SageMaker defaults them.
    const logs = (await call(loam, 'GET', '/api/v1/training-jobs/dbg-ok/logs?Limit=1000')).body.Events.map((e: { Message: string }) => e.Message);
    const hook = logs.find((l: string) => l.startsWith('hook-config '));
    expect(JSON.parse(hook.slice('hook-config '.length))).toEqual({ CollectionConfigurations: [{ CollectionName: 'losses', CollectionParameters: { save_interval: '10' } }], HookParameters: { save_all: 'false' }, LocalPath: '/opt/ml/output/tensors', S3OutputPath: 's3://models/dbg/' });
    expect(logs).toContain('tensorboard-config {"LocalPath": "/opt/ml/output/tensorboard", "S3OutputPath": "s3://models/tb"}');
    // The files, at SageMaker's keys; a .sagemaker-ignore name is left out as in checkpoints.
    expect(await keys('models', 'tb/')).toEqual(['tb/dbg-ok/tensorboard-output/run1/events.out.tfevents.1']);
    expect(await text('models', 'tb/dbg-ok/tensorboard-output/run1/events.out.tfevents.1')).toBe('tb-events');
    expect(await keys('models', 'dbg/dbg-ok/debug-output/')).toEqual(['dbg/dbg-ok/debug-output/events/000000000000/000000000000_worker_0.tfevents']);
    expect(await text('models', 'dbg/dbg-ok/debug-output/events/000000000000/000000000000_worker_0.tfevents')).toBe('tensors');
    // Describe returns what was asked, and says honestly that the rules were not evaluated.
    expect(d.DebugHookConfig).toEqual({ LocalPath: '/opt/ml/output/tensors', S3OutputPath: 's3://models/dbg/', CollectionConfigurations: [{ CollectionName: 'losses', CollectionParameters: { save_interval: '10' } }], HookParameters: { save_all: 'false' } });
    expect(d.TensorBoardOutputConfig).toEqual({ LocalPath: '/opt/ml/output/tensorboard', S3OutputPath: 's3://models/tb' });
    expect(d.ProfilerConfig).toEqual({ S3OutputPath: 's3://models/dbg', ProfilingIntervalInMilliseconds: 500 });
    expect(d.ProfilingStatus).toBe('Enabled');
    expect(d.DebugRuleConfigurations).toHaveLength(1);
    expect(d.ProfilerRuleConfigurations).toHaveLength(1);
    for (const [statuses, name] of [[d.DebugRuleEvaluationStatuses, 'LossNotDecreasing'], [d.ProfilerRuleEvaluationStatuses, 'ProfilerReport']] as const) {
      expect(statuses).toHaveLength(1);
      expect(statuses[0]).toMatchObject({ RuleConfigurationName: name, RuleEvaluationStatus: 'Error' });
      expect(statuses[0].StatusDetails).toMatch(/Loam does not run rule evaluation containers/);
    }
  }, 120_000);

  it('a job that fails still uploads what it left (the output is most useful then); DisableProfiler → ProfilingStatus Disabled', async () => {
    const res = await call(loam, 'POST', '/api/v1/training-jobs', request('dbg-fail', {
      Environment: { FAIL: '1' }, ProfilerConfig: { DisableProfiler: true },
      TensorBoardOutputConfig: { S3OutputPath: 's3://models/tb2', LocalPath: '/opt/ml/output/mytb' },
      DebugRuleConfigurations: undefined, ProfilerRuleConfigurations: undefined,
    }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const d = await waitForTrainingJob(loam, 'dbg-fail', 90_000);
    expect(d.TrainingJobStatus).toBe('Failed');
    expect(await keys('models', 'tb2/')).toEqual(['tb2/dbg-fail/tensorboard-output/run1/events.out.tfevents.1']);
    expect(await keys('models', 'dbg/dbg-fail/')).toEqual(['dbg/dbg-fail/debug-output/events/000000000000/000000000000_worker_0.tfevents']);
    expect(d.TensorBoardOutputConfig).toEqual({ S3OutputPath: 's3://models/tb2', LocalPath: '/opt/ml/output/mytb' });
    expect(d.ProfilingStatus).toBe('Disabled');
    expect(d.DebugRuleEvaluationStatuses).toBeUndefined();
  }, 120_000);

  it('a LocalPath outside /opt/ml or an S3OutputPath that is not s3:// is a 400 naming the member', async () => {
    const bad = await call(loam, 'POST', '/api/v1/training-jobs', request('dbg-bad', { TensorBoardOutputConfig: { S3OutputPath: 's3://models/tb', LocalPath: '/etc/tb' } }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/tensorBoardOutputConfig\.localPath/);
    const https = await call(loam, 'POST', '/api/v1/training-jobs', request('dbg-bad', { DebugHookConfig: { S3OutputPath: 'https://example.com/b/x' } }));
    expect(https.status).toBe(400);
    expect(JSON.stringify(https.body)).toMatch(/debugHookConfig\.s3OutputPath/);
  });
});

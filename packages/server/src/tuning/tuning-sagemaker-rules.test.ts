import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { tuningJobsCollection, type TuningJobRecord } from '@loam/core/tuning/index';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, xgboostImage } from '../jobs/jobs.test-support.js';

// What a SageMaker user's boto3 code meets, checked against SageMaker's documented behaviour:
// create-time refusals of trials that could never run, Hyperband's MaxResource, and the listings' defaults.
const csv = readFileSync(fileURLToPath(new URL('../../../../datasets/tabular/breast_cancer.csv', import.meta.url)), 'utf8').trim().split('\n').slice(1);

let loam: TestLoam;
async function start(): Promise<void> {
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  await a.put({ bucket: 'data', key: 'bc/train/train.csv' }, Buffer.from(`${csv.slice(0, 400).join('\n')}\n`));
  await a.put({ bucket: 'data', key: 'bc/validation/validation.csv' }, Buffer.from(`${csv.slice(400).join('\n')}\n`));
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

const channel = (name: string) => ({ ChannelName: name, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/bc/${name}/` } } });
const ranges = { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '6' }], ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5' }] };

function request(name: string, config: Record<string, unknown> = {}, definition: Record<string, unknown> = {}): Record<string, any> {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian', HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 }, ParameterRanges: ranges, ...config,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { num_round: '10', objective: 'binary:logistic', eval_metric: 'auc' },
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File' },
      RoleArn: role, InputDataConfig: [channel('train'), channel('validation')], OutputDataConfig: { S3OutputPath: 's3://data/tuning' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
      ...definition,
    },
  };
}

describe('CreateHyperParameterTuningJob refuses trials that could never run, as SageMaker does, with a 400 naming the field', () => {
  it('a built-in algorithm: an untunable or unknown hyperparameter, a bound it refuses, a static value it refuses, an objective it does not emit', async () => {
    const statics = { num_round: '10', objective: 'binary:logistic', eval_metric: 'auc' };
    const cases: [string, Record<string, any>, string, RegExp][] = [
      ['unknown tuned name', request('bad-hp', { ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_deptth', MinValue: '2', MaxValue: '6' }] } }),
        '/HyperParameterTuningJobConfig/ParameterRanges/max_deptth', /Tuned hyperparameter 'max_deptth' is refused by the built-in algorithm 'xgboost'.*'max_deptth' is not supported.*supported: objective, num_round/],
      ['a MaxValue out of range', request('bad-hp', { ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '50' }] } }),
        '/HyperParameterTuningJobConfig/ParameterRanges/max_depth', /'max_depth' at its MaxValue '50' is refused.*from 1 to 30; got '50'/],
      ['a categorical value it refuses', request('bad-hp', { ParameterRanges: { CategoricalParameterRanges: [{ Name: 'grow_policy', Values: ['depthwise', 'lossguide'] }] } }),
        '/HyperParameterTuningJobConfig/ParameterRanges/grow_policy', /'grow_policy' at its value 'lossguide' is refused/],
      ['an unknown static name', request('bad-hp', {}, { StaticHyperParameters: { ...statics, bogus: '1' } }),
        '/TrainingJobDefinition/StaticHyperParameters/bogus', /Every training job of this tuning job would fail.*'bogus' is not supported/],
      ['num_round missing', request('bad-hp', {}, { StaticHyperParameters: { objective: 'binary:logistic' } }),
        '/TrainingJobDefinition/StaticHyperParameters/num_round', /'num_round' is required/],
      ['an objective metric XGBoost does not emit', request('bad-hp', { HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:f1' } }),
        '/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective/MetricName', /objective metric 'validation:f1' is not one the built-in algorithm 'xgboost'.*reports/],
    ];
    for (const [what, req, path, text] of cases) {
      const res = await call(loam, 'POST', '/api/v1/tuning-jobs', req);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.code).toBe('ValidationException');
      expect(res.body.detail, what).toMatch(text);
      expect(JSON.stringify(res.body), what).toContain(path);
    }
    expect((await call(loam, 'GET', '/api/v1/tuning-jobs/bad-hp')).status).toBe(404);
    // Script mode on the same image tunes the script's own arguments: not checked against the built-in's names.
    const script = request('script-ok', { ParameterRanges: { ContinuousParameterRanges: [{ Name: 'learning-rate', MinValue: '0.01', MaxValue: '0.1' }] } }, {
      StaticHyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: 's3://data/src/sourcedir.tar.gz' },
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'validation:auc', Regex: 'auc=([0-9.]+)' }] },
    });
    const ok = await call(loam, 'POST', '/api/v1/tuning-jobs', script);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/script-ok/stop')).status).toBe(200);
  });

  it('integer and categorical ranges must allow at least MaxNumberOfTrainingJobs combinations', async () => {
    const discrete = { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '3' }], CategoricalParameterRanges: [{ Name: 'eta', Values: ['0.1', '0.3'] }] };
    const few = await call(loam, 'POST', '/api/v1/tuning-jobs', request('few-combos', { Strategy: 'Random', ParameterRanges: discrete, ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 1 } }));
    expect(few.status, JSON.stringify(few.body)).toBe(400);
    expect(few.body.detail).toMatch(/ranges allow 4 combinations of hyperparameter values, fewer than MaxNumberOfTrainingJobs \(5\)/);
    expect(JSON.stringify(few.body)).toContain('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs');
    const enough = await call(loam, 'POST', '/api/v1/tuning-jobs', request('few-combos', { Strategy: 'Random', ParameterRanges: discrete, ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 1 } }));
    expect(enough.status, JSON.stringify(enough.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/few-combos/stop')).status).toBe(200);
  });

  it('an image that is not a built-in algorithm needs a MetricDefinition for the objective', async () => {
    const res = await call(loam, 'POST', '/api/v1/tuning-jobs', request('no-metric', { ParameterRanges: { ContinuousParameterRanges: [{ Name: 'alpha', MinValue: '0.01', MaxValue: '1' }] } }, {
      StaticHyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: 's3://data/src/sourcedir.tar.gz' },
      AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
    }));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.detail).toMatch(/objective metric 'validation:auc' needs a MetricDefinition/);
    expect(JSON.stringify(res.body)).toContain('/TrainingJobDefinition/AlgorithmSpecification/MetricDefinitions');
  });

  it("a channel named '.' or '..', or two channels of one name, as CreateTrainingJob refuses them (every trial would fail)", async () => {
    const cases: [string, Record<string, any>, string, RegExp][] = [
      ["'..'", request('bad-channel', {}, { InputDataConfig: [channel('train'), { ...channel('validation'), ChannelName: '..' }] }), '/TrainingJobDefinition/InputDataConfig/1/ChannelName', /'\.\.'.*\/opt\/ml\/input\/data\/<ChannelName>/],
      ["'.'", request('bad-channel', {}, { InputDataConfig: [{ ...channel('train'), ChannelName: '.' }] }), '/TrainingJobDefinition/InputDataConfig/0/ChannelName', /'\.'.*\/opt\/ml\/input\/data\/<ChannelName>/],
      ['twice', request('bad-channel', {}, { InputDataConfig: [channel('train'), { ...channel('validation'), ChannelName: 'train' }] }), '/TrainingJobDefinition/InputDataConfig/1/ChannelName', /'train'.*unique/],
    ];
    for (const [what, req, path, text] of cases) {
      const res = await call(loam, 'POST', '/api/v1/tuning-jobs', req);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.detail, what).toMatch(text);
      expect(JSON.stringify(res.body), what).toContain(path);
    }
    expect((await call(loam, 'GET', '/api/v1/tuning-jobs/bad-channel')).status).toBe(404);
  });

  it('Hyperband: MaxResource defaults to a static epochs hyperparameter (DeepAR), is at most 20,000, and is required otherwise', async () => {
    const deepar = {
      StaticHyperParameters: { epochs: '40', context_length: '5', prediction_length: '5', time_freq: 'D' },
      AlgorithmSpecification: { TrainingImage: '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1', TrainingInputMode: 'File' },
      InputDataConfig: [channel('train')],
    };
    const hb = { Strategy: 'Hyperband', HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'test:RMSE' }, ParameterRanges: { ContinuousParameterRanges: [{ Name: 'learning_rate', MinValue: '0.0001', MaxValue: '0.01' }] } };
    const ok = await call(loam, 'POST', '/api/v1/tuning-jobs', request('hb-epochs', hb, deepar));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/hb-epochs/stop')).status).toBe(200);
    const cases: [Record<string, any>, string, RegExp][] = [
      [request('hb-bad', { ...hb, StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 20_001 } } }, deepar), '/HyperParameterTuningJobConfig/StrategyConfig/HyperbandStrategyConfig/MaxResource', /MaxResource is 20001; the maximum is 20000/],
      [request('hb-bad', hb, { ...deepar, StaticHyperParameters: { ...deepar.StaticHyperParameters, epochs: '30000' } }), '/TrainingJobDefinition/StaticHyperParameters', /read from the static epochs hyperparameter\) is 30000; the maximum is 20000/],
      [request('hb-bad', { Strategy: 'Hyperband' }), '/HyperParameterTuningJobConfig/StrategyConfig/HyperbandStrategyConfig/MaxResource', /needs HyperbandStrategyConfig.MaxResource.*epochs, numepochs, n-epochs, n_epochs, num_epochs/],
    ];
    for (const [req, path, text] of cases) {
      const res = await call(loam, 'POST', '/api/v1/tuning-jobs', req);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.detail).toMatch(text);
      expect(JSON.stringify(res.body)).toContain(path);
    }
  });
});

describe('DescribeHyperParameterTuningJob', () => {
  it('fills in what SageMaker describes and its Python SDK\'s HyperparameterTuner.attach reads without a default', async () => {
    const grid = request('attach-grid', { Strategy: 'Grid', ResourceLimits: { MaxParallelTrainingJobs: 1 }, ParameterRanges: { CategoricalParameterRanges: [{ Name: 'max_depth', Values: ['2', '3'] }] } });
    const res = await call(loam, 'POST', '/api/v1/tuning-jobs', grid);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/attach-grid/stop')).status).toBe(200);
    const d = (await call(loam, 'GET', '/api/v1/tuning-jobs/attach-grid')).body;
    // tuner.py: tuning_config["TrainingJobEarlyStoppingType"], ["ResourceLimits"]["MaxNumberOfTrainingJobs"], the three range lists.
    expect(d.HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType).toBe('Off');
    expect(d.HyperParameterTuningJobConfig.ResourceLimits).toEqual({ MaxParallelTrainingJobs: 1, MaxNumberOfTrainingJobs: 2 });
    expect(d.HyperParameterTuningJobConfig.ParameterRanges).toEqual({ CategoricalParameterRanges: [{ Name: 'max_depth', Values: ['2', '3'] }], ContinuousParameterRanges: [], IntegerParameterRanges: [] });
    // del StaticHyperParameters["_tuning_objective_metric"], and AlgorithmSpecification["MetricDefinitions"].
    expect(d.TrainingJobDefinition.StaticHyperParameters).toEqual({ num_round: '10', objective: 'binary:logistic', eval_metric: 'auc', _tuning_objective_metric: 'validation:auc' });
    expect(d.TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions).toEqual([]);
    const listed = (await call(loam, 'GET', '/api/v1/tuning-jobs?NameContains=attach-grid')).body.HyperParameterTuningJobSummaries;
    expect(listed.map((j: any) => j.ResourceLimits)).toEqual([{ MaxParallelTrainingJobs: 1, MaxNumberOfTrainingJobs: 2 }]);
  });
});

describe('warm start, as SageMaker documents it', () => {
  it('keeps the number of static plus tuned hyperparameters, and counts the parents\' training jobs against the limit', async () => {
    const now = Date.now() / 1000;
    const parent = (name: string, trials: number): TuningJobRecord => ({
      id: name, name, arn: `arn:loam:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/${name}`, status: 'Completed', strategy: 'Bayesian',
      creationTime: now, lastModifiedTime: now, endTime: now, request: request(name), parents: [],
      trials: Array.from({ length: trials }, (_, i) => ({ index: i, trainingJobName: `${name}-${i}`, config: { max_depth: 3, eta: 0.1 }, tuned: { max_depth: '3', eta: '0.1' }, final: { status: 'Completed' as const, objective: 0.9, endTime: now } })),
    });
    await loam.platform.store.collection(tuningJobsCollection).insert(parent('parent-small', 2));
    await loam.platform.store.collection(tuningJobsCollection).insert(parent('parent-big', 749));
    const warm = (from: string) => ({ WarmStartConfig: { WarmStartType: 'TransferLearning', ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: from }] } });
    const statics = { num_round: '10', objective: 'binary:logistic', eval_metric: 'auc' };
    // eta moves from tuned to static: 4 static + 1 tuned, as the parent's 3 + 2.
    const moved = { ...request('warm-ok', { ParameterRanges: { IntegerParameterRanges: ranges.IntegerParameterRanges } }, { StaticHyperParameters: { ...statics, eta: '0.2' } }), ...warm('parent-small') };
    const ok = await call(loam, 'POST', '/api/v1/tuning-jobs', moved);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/warm-ok/stop')).status).toBe(200);
    const more = await call(loam, 'POST', '/api/v1/tuning-jobs', { ...request('warm-bad', {}, { StaticHyperParameters: { ...statics, max_bin: '64' } }), ...warm('parent-small') });
    expect(more.status, JSON.stringify(more.body)).toBe(400);
    expect(more.body.detail).toMatch(/'parent-small' has 5 static plus tuned hyperparameters and this tuning job 6/);
    const tooMany = await call(loam, 'POST', '/api/v1/tuning-jobs', { ...request('warm-bad'), ...warm('parent-big') });
    expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(400);
    expect(tooMany.body.detail).toMatch(/parents ran 749 training jobs and this tuning job may run 2; together they count against the limit of 750/);
    expect(JSON.stringify(tooMany.body)).toContain('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs');
    expect((await call(loam, 'GET', '/api/v1/tuning-jobs/warm-bad')).status).toBe(404);
  });
});

describe('listings use SageMaker\'s defaults', () => {
  it('ListHyperParameterTuningJobs: SortBy Name, SortOrder Ascending, 10 per page', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `list-${String(11 - i).padStart(2, '0')}`); // created newest-name-first
    try {
      for (const n of names) expect((await call(loam, 'POST', '/api/v1/tuning-jobs', request(n))).status).toBe(200);
      const page = await call(loam, 'GET', '/api/v1/tuning-jobs?NameContains=list-');
      expect(page.status).toBe(200);
      expect(page.body.HyperParameterTuningJobSummaries.map((j: any) => j.HyperParameterTuningJobName)).toEqual(Array.from({ length: 10 }, (_, i) => `list-${String(i).padStart(2, '0')}`));
      expect(page.body.NextToken).toBeDefined();
    } finally {
      // Stopped before the last test starts the tuning driver, so none of them runs a trial.
      for (const n of names) await call(loam, 'POST', `/api/v1/tuning-jobs/${n}/stop`);
    }
  });

  it('ListTrainingJobsForHyperParameterTuningJob: SortBy Name, SortOrder Ascending; by FinalObjectiveMetricValue, trials without an objective are not listed', async () => {
    const now = Date.now() / 1000;
    const trial = (n: number, objective?: number) => ({
      index: n - 1, trainingJobName: `listed-00${n}-0000000${n}`, config: { eta: 0.1 * n }, tuned: { eta: String(0.1 * n) },
      final: objective === undefined ? { status: 'Failed' as const } : { status: 'Completed' as const, objective, endTime: now },
    });
    const record: TuningJobRecord = {
      id: 'listed', name: 'listed', arn: 'arn:loam:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/listed', status: 'Completed', strategy: 'Random',
      creationTime: now, lastModifiedTime: now, endTime: now, request: request('listed', { Strategy: 'Random' }), parents: [],
      trials: [trial(1, 0.95), trial(2), trial(3, 0.99)],
    };
    await loam.platform.store.collection(tuningJobsCollection).insert(record);
    const list = async (query: string) => {
      const r = await call(loam, 'GET', `/api/v1/tuning-jobs/listed/training-jobs${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.TrainingJobSummaries.map((t: any) => t.TrainingJobName);
    };
    expect(await list('')).toEqual(['listed-001-00000001', 'listed-002-00000002', 'listed-003-00000003']);
    expect(await list('?SortBy=FinalObjectiveMetricValue&SortOrder=Descending')).toEqual(['listed-003-00000003', 'listed-001-00000001']);
    expect(await list('?SortBy=FinalObjectiveMetricValue')).toEqual(['listed-001-00000001', 'listed-003-00000003']);
    expect(await list('?StatusEquals=Failed')).toEqual(['listed-002-00000002']);
  });
});

describe('Hyperband over running training jobs', () => {
  it('a trial that reaches MaxResource epochs is stopped (SageMaker: "Once a job reaches the MaxResource value, it is stopped")', async () => {
    await loam.platform.jobs.scheduler.start();
    loam.platform.tuning.driver.start();
    const res = await call(loam, 'POST', '/api/v1/tuning-jobs', request('hb-max', {
      Strategy: 'Hyperband', StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 3 } },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5' }] },
    }, { StaticHyperParameters: { num_round: '200000', objective: 'binary:logistic', eval_metric: 'auc' } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const t0 = Date.now();
    let d: any;
    for (;;) {
      d = (await call(loam, 'GET', '/api/v1/tuning-jobs/hb-max')).body;
      if (!['InProgress', 'Stopping'].includes(d.HyperParameterTuningJobStatus)) break;
      if (Date.now() - t0 > 120_000) throw new Error(`hb-max still ${d.HyperParameterTuningJobStatus}: ${JSON.stringify(d.TrainingJobStatusCounters)} (200,000 rounds each: a trial past MaxResource was not stopped)`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(d.HyperParameterTuningJobStatus).toBe('Completed');
    expect(d.TrainingJobStatusCounters).toMatchObject({ Stopped: 2, Completed: 0 });
    expect(d.ObjectiveStatusCounters).toEqual({ Succeeded: 2, Pending: 0, Failed: 0 });
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { role, trainingRequest } from '../jobs/jobs.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';

// Read before write, everywhere a caller names an experiment, trial or component (see experiment-existence.test.ts
// for the reads): a job's ExperimentConfig naming an experiment or trial hidden from the caller was refused with
// 403 naming its MLflow experiment's id (or, for a caller who may write but not read, taken: the job logged into
// it); a Deny on the entity's own ARN (`experiment-trial/x`) hid it from Describe only, not from Update, Delete or
// Associate; and DeleteExperiment refused for trials named a trial the caller may not see.

let loam: TestLoam;
let hidId: string;
const p = '/api/v1/sagemaker-experiments';
const users = scopedUsers(() => loam);

async function call(user: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = user === 'admin' ? loam.adminToken : (users.tokens[user] as string);
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}

const ALL = [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }];
const arnOf = (kind: string, name: string) => `arn:loam:sagemaker:*:*:${kind}/${name}`;

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n0,1\n'));
  await loam.platform.artifacts.put({ bucket: 'data', key: 'in/x.csv' }, Buffer.from('1\n'));
  for (const e of ['hid-exp', 'open-exp', 'arn-exp', 'busy-exp']) expect((await call('admin', 'POST', `${p}/experiments`, { ExperimentName: e })).status).toBe(200);
  for (const [t, e] of [['hid-trial', 'hid-exp'], ['arn-trial', 'open-exp'], ['a-unseen-trial', 'busy-exp'], ['b-seen-trial', 'busy-exp']]) {
    expect((await call('admin', 'POST', `${p}/trials`, { TrialName: t, ExperimentName: e })).status).toBe(200);
  }
  for (const c of ['arn-tc', 'open-tc']) expect((await call('admin', 'POST', `${p}/trial-components`, { TrialComponentName: c })).status).toBe(200);
  hidId = (await loam.platform.tracking.getExperimentByName('hid-exp')).experimentId;
  // outsider may do anything but in hid-exp's MLflow experiment; writer may change anything but read nothing there.
  await users.userWith('outsider', [...ALL, { Effect: 'Deny', Action: 'sagemaker:*', Resource: arnOf('mlflow-experiment', hidId) }]);
  await users.userWith('writer', [...ALL, { Effect: 'Deny', Action: ['sagemaker:Describe*', 'sagemaker:List*'], Resource: arnOf('mlflow-experiment', hidId) }]);
  // arn-reader may not describe anything named arn-* by its own ARN (whether it exists or not), and may change it.
  await users.userWith('arn-reader', [...ALL, {
    Effect: 'Deny', Action: ['sagemaker:DescribeExperiment', 'sagemaker:DescribeTrial', 'sagemaker:DescribeTrialComponent'],
    Resource: [arnOf('experiment', 'arn-*'), arnOf('experiment-trial', 'arn-*'), arnOf('experiment-trial-component', 'arn-*')],
  }]);
  // trial-reader may delete busy-exp but not see a-unseen-trial.
  await users.userWith('trial-reader', [...ALL, { Effect: 'Deny', Action: 'sagemaker:DescribeTrial', Resource: arnOf('experiment-trial', 'a-unseen-trial') }]);
}
serverPerAttempt(start, async () => {
  await loam?.close();
});

const jobs = {
  training: (name: string, ExperimentConfig: Record<string, string>) => ['/api/v1/training-jobs', trainingRequest(name, {
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://data/out' }, ExperimentConfig,
  })] as const,
  processing: (name: string, ExperimentConfig: Record<string, string>) => ['/api/v1/processing-jobs', {
    ProcessingJobName: name, RoleArn: role, ExperimentConfig,
    AppSpecification: { ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['true'] },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  }] as const,
  transform: (name: string, ExperimentConfig: Record<string, string>) => ['/api/v1/transform-jobs', {
    TransformJobName: name, ModelName: 'no-model', ExperimentConfig,
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/in/' } }, ContentType: 'text/csv' },
    TransformOutput: { S3OutputPath: `s3://data/tout/${name}` }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  }] as const,
};
const jobPath = { training: 'training-jobs', processing: 'processing-jobs', transform: 'transform-jobs' } as const;

/** A job's answer as the caller sees it, with `name` written `<name>`. */
async function jobAnswer(user: string, kind: keyof typeof jobs, job: string, config: Record<string, string>, name: string) {
  const [url, body] = jobs[kind](job, config);
  const r = await call(user, 'POST', url, body);
  const message = String(r.body?.detail ?? r.body?.message ?? '').split(name).join('<name>').split(job).join('<job>');
  return { status: r.status, code: r.body?.code ?? r.body?.__type, message };
}

describe("a job's ExperimentConfig naming an experiment or trial the caller may not read", () => {
  it('is refused without naming its id, and the job writes nothing there, for training, processing and transform jobs', async () => {
    for (const kind of ['training', 'processing', 'transform'] as const) {
      for (const user of ['outsider', 'writer']) {
        const job = `${user}-${kind}-hid`;
        const a = await jobAnswer(user, kind, job, { ExperimentName: 'hid-exp' }, 'hid-exp');
        expect(a, `${user} ${kind}`).toMatchObject({ status: 403, code: 'AccessDeniedException' });
        expect(a.message, `${user} ${kind}`).not.toMatch(new RegExp(`mlflow-experiment|experiment ${hidId}\\b|id ${hidId}\\b`));
        expect(a.message).toContain('<name>');
        expect((await call('admin', 'GET', `/api/v1/${jobPath[kind]}/${job}`)).status).toBe(404);
        // A trial of hid-exp named with a readable experiment, the same.
        const t = await jobAnswer(user, kind, `${job}-t`, { ExperimentName: 'open-exp', TrialName: 'hid-trial' }, 'hid-trial');
        expect(t, `${user} ${kind} trial`).toMatchObject({ status: 403, code: 'AccessDeniedException' });
        expect(t.message).not.toMatch(/mlflow-experiment/);
      }
    }
    // Nothing was logged in hid-exp.
    expect(await loam.platform.tracking.store.listTrials({ experimentId: hidId, sortBy: 'name', ascending: true, offset: 0, limit: 10 }).then((ts) => ts.map((t) => t.name))).toEqual(['hid-trial']);
  });

  it('is refused alike whether the name is held or free when the caller may not read its ARN', async () => {
    for (const kind of ['training', 'processing', 'transform'] as const) {
      const held = await jobAnswer('arn-reader', kind, `arn-${kind}-1`, { ExperimentName: 'arn-exp' }, 'arn-exp');
      const free = await jobAnswer('arn-reader', kind, `arn-${kind}-2`, { ExperimentName: 'arn-free' }, 'arn-free');
      expect(held.message.split(`arn-${kind}-1`).join('')).toEqual(free.message.split(`arn-${kind}-2`).join(''));
      expect(held).toMatchObject({ status: 403, code: 'AccessDeniedException' });
      const heldTrial = await jobAnswer('arn-reader', kind, `arn-${kind}-3`, { ExperimentName: 'open-exp', TrialName: 'arn-trial' }, 'arn-trial');
      const freeTrial = await jobAnswer('arn-reader', kind, `arn-${kind}-4`, { ExperimentName: 'open-exp', TrialName: 'arn-free-trial' }, 'arn-free-trial');
      expect(heldTrial).toEqual(freeTrial);
      expect(heldTrial).toMatchObject({ status: 403, code: 'AccessDeniedException' });
    }
    // The refusal for an experiment hidden by its MLflow experiment reads as this one: it tells nothing more.
    const byMlflow = await jobAnswer('outsider', 'training', 'same', { ExperimentName: 'hid-exp' }, 'hid-exp');
    const byArn = await jobAnswer('arn-reader', 'training', 'same', { ExperimentName: 'arn-exp' }, 'arn-exp');
    expect(byMlflow.message.replace(/user\/[a-z-]+/g, 'user/<u>')).toEqual(byArn.message.replace(/user\/[a-z-]+/g, 'user/<u>'));
  });

  it('a hidden trial named alone is refused as a missing one is', async () => {
    const hidden = await jobAnswer('outsider', 'training', 'alone-hid', { TrialName: 'hid-trial' }, 'hid-trial');
    const missing = await jobAnswer('outsider', 'training', 'alone-hid', { TrialName: 'nul-trial' }, 'nul-trial');
    expect(hidden).toEqual(missing);
    expect(hidden).toMatchObject({ status: 400 });
  });

  it('a caller who may read them still gets the job', async () => {
    expect((await call('outsider', 'POST', ...jobs.training('open-ok', { ExperimentName: 'open-exp' }))).status).toBe(200);
  });
});

describe('a Deny on the entity\'s own ARN for the read hides it from every change', () => {
  it('Update, Delete, CreateTrial in it and Associate/Disassociate answer as for a missing one, and change nothing', async () => {
    const alike = async (method: 'POST' | 'PATCH' | 'DELETE', url: (n: string) => string, body: (n: string) => unknown, hidden: string, missing: string) => {
      const h = await call('arn-reader', method, url(hidden), body(hidden));
      const m = await call('arn-reader', method, url(missing), body(missing));
      const shape = (r: { status: number; body: any }, n: string) => ({ status: r.status, code: r.body?.code, detail: String(r.body?.detail ?? '').split(n).join('<name>') });
      expect(shape(h, hidden), `${method} ${url(hidden)}`).toEqual(shape(m, missing));
      expect(h.status, `${method} ${url(hidden)}`).toBe(404);
    };
    const none = () => undefined;
    await alike('PATCH', (n) => `${p}/experiments/${n}`, () => ({ DisplayName: 'x' }), 'arn-exp', 'arn-nul');
    await alike('POST', () => `${p}/trials`, (n) => ({ TrialName: 'arn-new-trial', ExperimentName: n }), 'arn-exp', 'arn-nul');
    await alike('PATCH', (n) => `${p}/trials/${n}`, () => ({ DisplayName: 'x' }), 'arn-trial', 'arn-nul-trial');
    await alike('POST', (n) => `${p}/trials/${n}/trial-components`, () => ({ TrialComponentName: 'open-tc' }), 'arn-trial', 'arn-nul-trial');
    await alike('POST', (n) => `${p}/trials/${n}/trial-components/delete`, () => ({ TrialComponentName: 'open-tc' }), 'arn-trial', 'arn-nul-trial');
    await alike('POST', (n) => `${p}/trial-components/${n}/update`, () => ({ DisplayName: 'x' }), 'arn-tc', 'arn-nul-tc');
    await alike('POST', () => `${p}/trials/hid-trial/trial-components`, (n) => ({ TrialComponentName: n }), 'arn-tc', 'arn-nul-tc');
    await alike('DELETE', (n) => `${p}/trials/${n}`, none, 'arn-trial', 'arn-nul-trial');
    await alike('DELETE', (n) => `${p}/trial-components/${n}`, none, 'arn-tc', 'arn-nul-tc');
    await alike('DELETE', (n) => `${p}/experiments/${n}`, none, 'arn-exp', 'arn-nul');
    // Nothing changed.
    expect((await call('admin', 'GET', `${p}/experiments/arn-exp`)).body.DisplayName).toBe('arn-exp');
    expect((await call('admin', 'GET', `${p}/trials/arn-trial`)).body.DisplayName).toBe('arn-trial');
    expect((await call('admin', 'GET', `${p}/trial-components/arn-tc`)).body.DisplayName).toBe('arn-tc');
    expect((await call('admin', 'GET', `${p}/trials/arn-new-trial`)).status).toBe(404);
    // One they may read by its ARN they still change.
    expect((await call('arn-reader', 'PATCH', `${p}/experiments/open-exp`, { DisplayName: 'y' })).status).toBe(200);
  });
});

describe('DeleteExperiment refused for its trials', () => {
  it('names a trial the caller may see, never one hidden from them', async () => {
    const r = await call('trial-reader', 'DELETE', `${p}/experiments/busy-exp`);
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('b-seen-trial');
    expect(r.body.detail).not.toContain('a-unseen-trial');
    expect((await call('admin', 'DELETE', `${p}/experiments/busy-exp`)).body.detail).toContain('a-unseen-trial');
  });
});

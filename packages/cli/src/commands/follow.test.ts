import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

function fakeEndpoint(statuses: string[]) {
  let polls = 0;
  let created = false;
  const seen = fakeLoam((r) => {
    if (r.method === 'POST') {
      if (r.path === '/api/v1/endpoints') created = true;
      return {};
    }
    if (r.path === '/api/v1/endpoints/churn') {
      if (!created) return { status: 404, code: 'ResourceNotFound', detail: 'no such endpoint' };
      const status = statuses[Math.min(polls++, statuses.length - 1)]!;
      return {
        EndpointName: 'churn', EndpointArn: 'arn:e', EndpointStatus: status, CreationTime: 1764291600, LastModifiedTime: 1764291600,
        ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: status === 'InService' ? 1 : 0, DesiredInstanceCount: 1, VariantStatus: status === 'InService' ? [] : [{ Status: 'Creating', StatusMessage: 'starting 1 instance' }] }],
      };
    }
    return {};
  });
  return seen;
}

describe('loam deploy shows progress and the model it created', () => {
  it('prints the model name, then each status change, then the endpoint with ModelName', async () => {
    const seen = fakeEndpoint(['Creating', 'Creating', 'InService']);
    const r = await runCli([...fakeAuth, 'deploy', 'churn', '--image', 'sagemaker-xgboost:1.7-1', '--model-data', 's3://m/model.tar.gz']);
    expect(r.code).toBe(0);
    const model = (seen.find((q) => q.path === '/api/v1/models')!.body as { ModelName: string }).ModelName;
    expect(model).toMatch(/^churn-\d{14}$/);
    const out = r.stdout.split('\n');
    expect(out.slice(0, 3)).toEqual([`model: ${model} (created)`, `endpoint config: ${model}`, 'creating endpoint churn']);
    expect(out[3]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}Creating {2}AllTraffic: Creating \(starting 1 instance\) 0\/1 instances$/);
    expect(out[4]).toMatch(/Z {2}InService {2}AllTraffic 1\/1 instances$/);
    expect(r.stdout).toContain(`ModelName: ${model}`);
  });

  it('--json: created (with ModelName), status records, description', async () => {
    fakeEndpoint(['Creating', 'InService']);
    const r = await runCli([...fakeAuth, '--json', 'deploy', 'churn', '--model', 'churn-v2']);
    const recs = lines(r.stdout);
    expect(recs.map((x) => x['event'])).toEqual(['created', 'status', 'status', 'description']);
    expect(recs[0]).toMatchObject({ EndpointName: 'churn', ModelName: 'churn-v2', Action: 'create' });
    expect(recs[3]).toMatchObject({ EndpointStatus: 'InService', ModelName: 'churn-v2' });
  });
});

describe('loam transform shows progress', () => {
  it('prints each status change while waiting', async () => {
    let polls = 0;
    fakeLoam((r) => (r.method === 'POST' ? { TransformJobArn: 'arn:t' } : { TransformJobName: 'score', TransformJobStatus: polls++ < 2 ? 'InProgress' : 'Completed', CreationTime: 1764291600 }));
    const r = await runCli([...fakeAuth, 'transform', 'score', '--model', 'm', '--input', 's3://in/', '--output', 's3://out/']);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/Z {2}InProgress$/);
    expect(out[1]).toMatch(/Z {2}Completed$/);
    expect(out[2]).toBe('TransformJobName: score');
  });
});

describe('Ctrl-C while following', () => {
  it('says the job keeps running and names the command that stops it', async () => {
    const base = process.listenerCount('SIGINT');
    let interrupted = false;
    fakeLoam((r) => (r.method === 'POST' ? {} : { TransformJobName: 'score', TransformJobStatus: interrupted ? 'Stopped' : 'InProgress' }));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    let stderr = '';
    const pending = runCli([...fakeAuth, 'transform', 'score', '--model', 'm', '--input', 's3://in/', '--output', 's3://out/']);
    await vi.waitFor(() => expect(process.listenerCount('SIGINT')).toBeGreaterThan(base));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    process.emit('SIGINT');
    err.mockRestore();
    interrupted = true;
    await pending;
    expect(stderr).toBe('\nStopped following; the transform job score keeps running on the server. To stop it: loam stop-transform-job --transform-job-name score (watch it instead: loam describe-transform-job --transform-job-name score)\n');
    expect(exit).toHaveBeenCalledWith(130);
    expect(process.listenerCount('SIGINT')).toBe(base);
  });
});

describe('Ctrl-C while following a tuning job', () => {
  it('names the command that stops it and the one that watches it', async () => {
    const base = process.listenerCount('SIGINT');
    let interrupted = false;
    fakeLoam((r) => (r.method === 'POST' ? { HyperParameterTuningJobArn: 'arn:t1' } : {
      HyperParameterTuningJobName: 't1', HyperParameterTuningJobStatus: interrupted ? 'Stopped' : 'InProgress',
      TrainingJobStatusCounters: { Completed: 0, InProgress: 2, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
    }));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    let stderr = '';
    const pending = runCli([...fakeAuth, 'tune', '--name', 't1', '--image', 'sagemaker-xgboost:1.7-1', '--objective', 'Maximize:validation:auc', '--output', 's3://m/out', '--float', 'eta=0.01:0.3', '--max-jobs', '2']);
    await vi.waitFor(() => expect(process.listenerCount('SIGINT')).toBeGreaterThan(base));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    process.emit('SIGINT');
    err.mockRestore();
    interrupted = true;
    await pending;
    expect(stderr).toBe('\nStopped following; the tuning job t1 keeps running on the server. To stop it: loam stop-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name t1 (watch it instead: loam describe-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name t1)\n');
    expect(exit).toHaveBeenCalledWith(130);
  });
});

describe('loam deploy to an endpoint that cannot take an update', () => {
  it('a Failed endpoint: says to delete it first, exit 1, and creates no model or endpoint config for nothing', async () => {
    const seen = fakeLoam((r) => (r.path === '/api/v1/endpoints/churn' ? { EndpointName: 'churn', EndpointStatus: 'Failed', FailureReason: 'bad archive', CreationTime: 1764291600, LastModifiedTime: 1764291600 } : {}));
    const r = await runCli([...fakeAuth, 'deploy', 'churn', '--image', 'sagemaker-xgboost:1.7-1', '--model-data', 's3://m/model.tar.gz']);
    expect([r.code, r.stderr]).toEqual([1, "Error [ValidationException]: Endpoint 'churn' is Failed (bad archive): a failed endpoint cannot be updated. Delete it (loam delete-endpoint --endpoint-name churn) and deploy again.\n"]);
    expect(seen.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('an endpoint being updated: deploy once it is InService; any other error of the lookup is shown, not taken for "absent"', async () => {
    const seen = fakeLoam((r) => (r.path === '/api/v1/endpoints/churn' ? { EndpointName: 'churn', EndpointStatus: 'Updating', CreationTime: 1764291600, LastModifiedTime: 1764291600 } : {}));
    const busy = await runCli([...fakeAuth, 'deploy', 'churn', '--model', 'churn-v2']);
    expect(busy.stderr).toBe("Error [ValidationException]: Endpoint 'churn' is Updating: deploy again once it is InService (loam describe-endpoint --endpoint-name churn).\n");
    expect(seen.filter((q) => q.method !== 'GET')).toEqual([]);
    const denied = fakeLoam(() => ({ status: 403, code: 'AccessDeniedException', detail: 'User ana is not authorized to perform sagemaker:DescribeEndpoint.' }));
    const r = await runCli([...fakeAuth, 'deploy', 'churn', '--model', 'churn-v2']);
    expect([r.code, r.stderr]).toEqual([1, 'Error [AccessDeniedException]: User ana is not authorized to perform sagemaker:DescribeEndpoint.\n']);
    expect(denied.filter((q) => q.method !== 'GET')).toEqual([]);
  });
});

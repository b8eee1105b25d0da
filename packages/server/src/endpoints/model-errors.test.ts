import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, storeGbdtModel, xgboostImage } from './endpoints.test-support.js';

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
let loam: TestLoam;
let url: string;

/** A script-mode model (its own process): sums each CSV row, fails (500) on a negative first value; the default input_fn answers 415 for other types. */
const script = `
def model_fn(model_dir):
    def model(rows):
        out = []
        for r in rows:
            if r[0] < 0:
                raise ValueError("negative first feature %s" % r[0])
            out.append(float(sum(r)))
        return out
    return model
`;

async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const dir = mkdtempSync(join(tmpdir(), 'loam-model-errors-'));
  try {
    writeFileSync(join(dir, 'inference.py'), script);
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz'), prefix: 'code/' }, ['inference.py']);
    await loam.platform.artifacts.ensureBucket('models');
    await loam.platform.artifacts.put({ bucket: 'models', key: 'sum/model.tar.gz' }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'sum', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/sum/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } });
  expect(m.status, JSON.stringify(m.body)).toBe(200);
  const d = await deploy(loam, 'sum', [{ name: 'v', modelName: 'sum' }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop, 120_000);

const post = async (body: string, contentType: string) => {
  const r = await fetch(`${url}/endpoints/sum/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': contentType, accept: 'text/csv' }, body });
  return { status: r.status, type: r.headers.get('x-amzn-errortype'), body: await r.text() };
};

describe('errors the model container answers', () => {
  it('reach the caller as Runtime’s ModelError 424 with the container’s status and message; the container keeps serving', async () => {
    expect(await post('1,2', 'text/csv')).toMatchObject({ status: 200, body: '3.0\n' });

    const unsupported = await post('1,2', 'image/png');
    expect(unsupported).toMatchObject({ status: 424, type: 'ModelError' });
    expect(JSON.parse(unsupported.body)).toMatchObject({
      OriginalStatusCode: 415,
      OriginalMessage: 'Content type image/png is not supported by the default input_fn',
      message: expect.stringMatching(/^Received client error \(415\) from primary with message "Content type image\/png is not supported/),
    });

    const failing = await post('-1,2', 'text/csv');
    expect(failing).toMatchObject({ status: 424, type: 'ModelError' });
    const f = JSON.parse(failing.body);
    expect(f).toMatchObject({ OriginalStatusCode: 500, message: expect.stringMatching(/^Received server error \(500\) from primary/) });
    expect(f.OriginalMessage).toContain('ValueError: negative first feature -1');

    expect(await post('2,2', 'text/csv')).toMatchObject({ status: 200, body: '4.0\n' });
    const totals = (await call(loam, 'GET', '/api/v1/endpoints/sum/metrics')).body.Variants[0].Points.reduce(
      (a: { e4: number; e5: number }, p: { Invocation4XXErrors: number; Invocation5XXErrors: number }) => ({ e4: a.e4 + p.Invocation4XXErrors, e5: a.e5 + p.Invocation5XXErrors }),
      { e4: 0, e5: 0 },
    );
    expect(totals).toEqual({ e4: 1, e5: 1 });
  });

  it('the AWS SDK raises ModelError with OriginalStatusCode and OriginalMessage', async () => {
    const rt = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
    const e = await rt.send(new InvokeEndpointCommand({ EndpointName: 'sum', ContentType: 'text/csv', Accept: 'text/csv', Body: new TextEncoder().encode('-5,1') })).then(
      () => undefined,
      (x: unknown) => x as { name: string; OriginalStatusCode?: number; OriginalMessage?: string; $metadata: { httpStatusCode?: number } },
    );
    expect(e).toMatchObject({ name: 'ModelError', OriginalStatusCode: 500, $metadata: { httpStatusCode: 424 } });
    expect(e?.OriginalMessage).toContain('negative first feature -5');
  });
});

/** A script-mode model that reports, per request, whether it reaches a server on the machine's 127.0.0.1 (PROBE_PORT) and one of its own. */
const probeScript = `
import os, socket
def model_fn(model_dir):
    return None
def predict_fn(data, model):
    out = []
    try:
        socket.create_connection(("127.0.0.1", int(os.environ["PROBE_PORT"])), timeout=2).close()
        out.append("REACHED")
    except OSError:
        out.append("UNREACHABLE")
    try:
        own = socket.create_server(("127.0.0.1", 0))
        socket.create_connection(("127.0.0.1", own.getsockname()[1]), timeout=2).close()
        out.append("LOOPBACK")
    except OSError:
        out.append("NO LOOPBACK")
    return out
`;

async function storeScriptModel(key: string, source: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-probe-model-'));
  try {
    writeFileSync(join(dir, 'inference.py'), source);
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz'), prefix: 'code/' }, ['inference.py']);
    await loam.platform.artifacts.put({ bucket: 'models', key }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const asRoot = process.getuid?.() === 0;

describe.runIf(asRoot)('network isolation on endpoints (EnableNetworkIsolation)', () => {
  it("a model running its own code is served in a network of its own: it answers through Loam, reaches its own loopback, and not the machine's 127.0.0.1", async () => {
    await storeScriptModel('probe/model.tar.gz', probeScript);
    const port = String((loam.app.server.address() as { port: number }).port);
    const spec = { PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/probe/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py', PROBE_PORT: port } } };
    expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'probe-isolated', EnableNetworkIsolation: true, ...spec })).status).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'probe-open', ...spec })).status).toBe(200);
    const ask = async (endpoint: string) => {
      const r = await fetch(`${url}/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv', accept: 'application/json' }, body: '1' });
      return [r.status, await r.text()];
    };
    for (const [name, model] of [['probe-isolated', 'probe-isolated'], ['probe-open', 'probe-open']] as const) {
      const d = await deploy(loam, name, [{ name: 'v', modelName: model }]);
      expect(d.EndpointStatus, d.FailureReason).toBe('InService');
    }
    expect(await ask('probe-isolated')).toEqual([200, '["UNREACHABLE", "LOOPBACK"]']);
    expect(await ask('probe-open')).toEqual([200, '["REACHED", "LOOPBACK"]']);
    // The endpoint config's own flag isolates a model that did not ask.
    const byConfig = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'probe-by-config', EnableNetworkIsolation: true, ProductionVariants: [{ VariantName: 'v', ModelName: 'probe-open', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    expect(byConfig.status, JSON.stringify(byConfig.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/endpoints', { EndpointName: 'probe-by-config', EndpointConfigName: 'probe-by-config' })).status).toBe(200);
    for (const t0 = Date.now(); (await call(loam, 'GET', '/api/v1/endpoints/probe-by-config')).body.EndpointStatus !== 'InService'; await new Promise((r) => setTimeout(r, 200))) {
      if (Date.now() - t0 > 60_000) throw new Error('probe-by-config not InService in 60 s');
    }
    expect(await ask('probe-by-config')).toEqual([200, '["UNREACHABLE", "LOOPBACK"]']);
  }, 120_000);
});

describe('network isolation on endpoints, where it cannot be enforced (executor.sandbox: off)', () => {
  let plain: TestLoam;
  // One test: a server of its own per attempt.
  beforeEach(async () => {
    plain = await openTestLoam({ LOAM_EXECUTOR__SANDBOX: 'off' });
    const { body } = await loam.platform.artifacts.get({ bucket: 'models', key: 'sum/model.tar.gz' });
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    await plain.platform.artifacts.ensureBucket('models');
    await plain.platform.artifacts.put({ bucket: 'models', key: 'sum/model.tar.gz' }, Buffer.concat(chunks));
  });
  afterEach(async () => plain?.close());

  it('a model that runs its own serving code and asks for isolation is refused at CreateEndpointConfig and CreateEndpoint with a 400 naming the field and why; it never runs unisolated', async () => {
    const spec = { PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/sum/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } };
    expect((await call(plain, 'POST', '/api/v1/models', { ModelName: 'sum-isolated', EnableNetworkIsolation: true, ...spec })).status).toBe(200);
    expect((await call(plain, 'POST', '/api/v1/models', { ModelName: 'sum', ...spec })).status).toBe(200);
    const config = { EndpointConfigName: 'sum-isolated', ProductionVariants: [{ VariantName: 'v', ModelName: 'sum-isolated', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] };
    const refused = await call(plain, 'POST', '/api/v1/endpoint-configs', config);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/Model 'sum-isolated' \(variant 'v'\) runs its own serving code and asks for network isolation, which this server cannot enforce for endpoint instances \(executor.sandbox is off\)/);
    expect(JSON.stringify(refused.body.errors)).toContain('/ProductionVariants/0/ModelName');
    // The same through the endpoint config's own flag, for a model that did not ask.
    const byConfig = await call(plain, 'POST', '/api/v1/endpoint-configs', { ...config, EndpointConfigName: 'sum-isolated-2', ProductionVariants: [{ ...config.ProductionVariants[0], ModelName: 'sum' }], EnableNetworkIsolation: true });
    expect([byConfig.status, JSON.stringify(byConfig.body.errors)]).toEqual([400, expect.stringContaining('/EnableNetworkIsolation')]);
    // CreateEndpoint checks again: a model deleted and created anew, now isolated, behind an older config.
    expect((await call(plain, 'POST', '/api/v1/models', { ModelName: 'sum-later', ...spec })).status).toBe(200);
    expect((await call(plain, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'sum-later', ProductionVariants: [{ VariantName: 'v', ModelName: 'sum-later', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] })).status).toBe(200);
    expect((await call(plain, 'DELETE', '/api/v1/models/sum-later')).status).toBe(200);
    expect((await call(plain, 'POST', '/api/v1/models', { ModelName: 'sum-later', EnableNetworkIsolation: true, ...spec })).status).toBe(200);
    const ep = await call(plain, 'POST', '/api/v1/endpoints', { EndpointName: 'sum-later', EndpointConfigName: 'sum-later' });
    expect([ep.status, ep.body.detail]).toEqual([400, expect.stringMatching(/Model 'sum-later' \(variant 'v'\) runs its own serving code and asks for network isolation/)]);
  });
});

describe('built-in models and isolation', () => {
  it('a built-in model served as its own process gets only SAGEMAKER_/SM_/LOAM_ settings from its Environment (no NODE_OPTIONS), so it may be isolated', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'loam-iso-')), 'ran');
    await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'iso-gbdt/model.tar.gz' });
    // NODE_OPTIONS drops double quotes: the module's source is percent-encoded.
    const inject = `--import=data:text/javascript,${encodeURIComponent(`import fs from "node:fs";fs.writeFileSync(${JSON.stringify(marker)},"x")`)}`;
    const m = await call(loam, 'POST', '/api/v1/models', {
      ModelName: 'iso-gbdt', EnableNetworkIsolation: true,
      PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/iso-gbdt/model.tar.gz', Environment: { LOAM_SERVING_MODE: 'process', NODE_OPTIONS: inject } },
    });
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    const d = await deploy(loam, 'iso-gbdt', [{ name: 'v', modelName: 'iso-gbdt' }]);
    expect(d.EndpointStatus, d.FailureReason).toBe('InService');
    const r = await fetch(`${url}/endpoints/iso-gbdt/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv' }, body: '0.1,0.2,0.3,0.4' });
    expect(r.status).toBe(200);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);
});

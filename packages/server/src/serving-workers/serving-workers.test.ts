import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { GbdtModel } from '@loam/ml/gbdt/index';
import { startLoam, type RunningLoam } from '../compose/start.js';
import { storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';

// `server.servingWorkers: 2`: the real `loam up` with two worker processes. Connections whose first
// request is an invocation go in turn to the main process and each worker; everything must answer
// exactly as a single process does, and the endpoint's metrics and capture must count every call.
let loam: RunningLoam;
let dataDir: string;
let port: number;
let token: string;
let model: GbdtModel;
let raw: number[][];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (a new connection is what the main server dispatches). */
function send(method: string, path: string, headers: Record<string, string | number>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** An invocation whose headers and body go in separate writes, `gapMs` apart (as many clients send them). */
function invokeInTwoWrites(name: string, body: string, gapMs: number, extraHeaders = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
      if (/\r\n\r\n[\s\S]*$/.test(out) && /content-length: (\d+)/i.test(out)) {
        const len = Number(/content-length: (\d+)/i.exec(out)![1]);
        const at = out.indexOf('\r\n\r\n', out.lastIndexOf('HTTP/1.1 '));
        if (!out.slice(out.lastIndexOf('HTTP/1.1 ')).startsWith('HTTP/1.1 100') && out.length - at - 4 >= len) {
          s.end();
          resolve(out.slice(out.lastIndexOf('HTTP/1.1 ')));
        }
      }
    });
    s.on('error', reject);
    s.setTimeout(15_000, () => reject(new Error(`no answer; got ${JSON.stringify(out)}`)));
    s.write(`POST /endpoints/${name}/invocations HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\ncontent-type: text/csv\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n`);
    setTimeout(() => s.write(body), gapMs);
  });
}

const api = async (method: string, path: string, payload?: unknown) => {
  const r = await send(method, path, { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload ? JSON.stringify(payload) : undefined);
  return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
};

const invoke = (name: string, body: string, t = token, headers: Record<string, string> = {}) =>
  send('POST', `/endpoints/${name}/invocations`, { authorization: `Bearer ${t}`, 'content-type': 'text/csv', ...headers }, body);

const csv = (rows: number[][]) => rows.map((r) => r.join(',')).join('\n');
const predictions = (m: GbdtModel, rows: number[][]) => rows.map((r) => String(m.predictRow(r)[0])).join(',');
const expected = (rows: number[][]) => predictions(model, rows);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function deploy(name: string, extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<void> {
  expect((await api('POST', '/api/v1/models', { ModelName: `${name}-m`, PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/w/model.tar.gz', Environment: env } })).status).toBe(200);
  expect((await api('POST', '/api/v1/endpoint-configs', { EndpointConfigName: `${name}-c`, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: `${name}-m`, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }], ...extra })).status).toBe(200);
  expect((await api('POST', '/api/v1/endpoints', { EndpointName: name, EndpointConfigName: `${name}-c` })).status).toBe(200);
  await until(`${name} InService`, async () => (await api('GET', `/api/v1/endpoints/${name}`)).body.EndpointStatus === 'InService', 60_000);
  // Workers hear of a change within a tick (100 ms); until then the main server answers for them.
  await sleep(300);
}

/** Sends fresh-connection invocations until every worker answered at least one itself. */
async function coverWorkers(name: string): Promise<void> {
  const before = loam.servingWorkers!.stats().served;
  for (let i = 0; i < 9; i++) expect((await invoke(name, csv(raw.slice(0, 2)))).status).toBe(200);
  await until('worker metrics', () => loam.servingWorkers!.stats().served.every((n, k) => n > (before[k] ?? 0)));
}

async function start(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'loam-workers-'));
  loam = await startLoam({ flags: { dataDir, port: 0 }, env: { LOAM_SERVER__SERVING_WORKERS: '2', LOAM_LOG__LEVEL: process.env['LOAM_TEST_LOG'] ?? 'warn' }, logger: pino({ level: process.env['LOAM_TEST_LOG'] ?? 'silent' }) });
  port = Number(new URL(loam.url).port);
  token = (await loam.platform.identity.CreateApiToken({ TokenName: 'w', UserName: 'admin' }, { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' }, requestId: 't' })).ApiToken.Token;
  ({ model, raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'w/model.tar.gz' }));
  await loam.platform.artifacts.ensureBucket('capture');
  await loam.servingWorkers!.whenReady();
  await deploy('wk');
}

async function stop(): Promise<void> {
  await loam?.close();
  rmSync(dataDir, { recursive: true, force: true });
}
serverPerAttempt(start, stop, 120_000);

describe('serving workers', () => {
  it('answers invocations from the main process and both workers, identically, and counts every one', async () => {
    const metrics = loam.platform.endpoints.metrics.variant('wk', 'AllTraffic');
    const before = metrics.total.invocations;
    const c0 = loam.servingWorkers!.stats().connections;
    const rows = raw.slice(0, 5);
    for (let i = 0; i < 12; i++) {
      const a = await invoke('wk', csv(rows));
      expect(a.status).toBe(200);
      expect(a.body).toBe(expected(rows));
      expect(a.headers['x-amzn-invoked-production-variant']).toBe('AllTraffic');
      expect(a.headers['x-amzn-requestid']).toBeTruthy();
    }
    const c1 = loam.servingWorkers!.stats().connections;
    // Twelve fresh connections in turn: four each to the main process and the two workers.
    expect(c1.map((n, k) => n - (c0[k] as number))).toEqual([4, 4, 4]);
    await until('metrics from the workers', () => metrics.total.invocations - before === 12);
    expect(loam.servingWorkers!.stats().served).toEqual([4, 4]);
  });

  it('keeps a worker connection alive for more invocations and passes other routes to the main server', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const one = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
      new Promise<Answer>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, method, path, agent, headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}`, ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        r.on('error', reject);
        r.end(body);
      });
    try {
      // Put the next fresh connection on a worker: the turn goes main, worker 1, worker 2.
      const before = loam.servingWorkers!.stats().connections;
      let i = 0;
      while (i++ < 3 && loam.servingWorkers!.stats().connections.reduce((a, b) => a + b, 0) % 3 !== 1) expect((await invoke('wk', csv(raw.slice(0, 1)))).status).toBe(200);
      const a = await one('POST', '/endpoints/wk/invocations', csv(raw.slice(0, 3)), { 'content-type': 'text/csv' });
      expect(a.status).toBe(200);
      const after = loam.servingWorkers!.stats().connections;
      expect((after[1] as number) - (before[1] as number)).toBeGreaterThanOrEqual(1);
      // Same connection: an operation, a 404, an unknown endpoint, a bad token — all answered as the main server answers them.
      const d = await one('GET', '/api/v1/endpoints/wk');
      expect(d.status).toBe(200);
      expect(JSON.parse(d.body).EndpointName).toBe('wk');
      expect((await one('GET', '/api/v1/nothing-here')).status).toBe(404);
      const missing = await one('POST', '/endpoints/nope/invocations', '1,2,3,4', { 'content-type': 'text/csv' });
      expect(missing.status).toBe(400);
      expect(missing.headers['x-amzn-errortype']).toBe('ValidationError');
      expect(JSON.parse(missing.body).message).toContain('Endpoint nope');
      const bad = await one('POST', '/endpoints/wk/invocations', '1,2,3,4', { 'content-type': 'text/csv', authorization: 'Bearer loam_nottoken' });
      const badOnMain = await invoke('wk', '1,2,3,4', 'loam_nottoken');
      expect(bad.status).toBe(badOnMain.status);
      expect(bad.body).toBe(badOnMain.body);
      // A model error from a worker is SageMaker's ModelError, as from the main server.
      const wrong = await one('POST', '/endpoints/wk/invocations', '1,2', { 'content-type': 'text/csv' });
      expect(wrong.status).toBe(424);
      expect(wrong.headers['x-amzn-errortype']).toBe('ModelError');
      expect((await one('POST', '/endpoints/wk/invocations', csv(raw.slice(0, 1)), { 'content-type': 'text/csv' })).body).toBe(expected(raw.slice(0, 1)));
    } finally {
      agent.destroy();
    }
  });

  it('gets the body of a request whose body comes after its headers (handed over between the two), and Expect: 100-continue', async () => {
    const rows = raw.slice(0, 2);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => invokeInTwoWrites('wk', csv(rows), i % 6)));
    for (const a of answers) {
      expect(a.startsWith('HTTP/1.1 200'), a).toBe(true);
      expect(a.endsWith(expected(rows))).toBe(true);
    }
    const cont = await Promise.all(Array.from({ length: 6 }, () => invokeInTwoWrites('wk', csv(rows), 30, 'expect: 100-continue\r\n')));
    for (const a of cont) expect(a.startsWith('HTTP/1.1 200') && a.endsWith(expected(rows)), a).toBe(true);
  });

  it('verifies SigV4 in the workers (AWS SDK clients, one connection each)', async () => {
    const admin = loam.platform;
    const keys = await admin.identity.CreateAccessKey({ UserName: 'admin' }, { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' }, requestId: 't' });
    const before = loam.servingWorkers!.stats().served.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 6; i++) {
      const client = new SageMakerRuntimeClient({ endpoint: loam.url, region: loam.config.region, credentials: { accessKeyId: keys.AccessKey.AccessKeyId, secretAccessKey: keys.AccessKey.SecretAccessKey } });
      const out = await client.send(new InvokeEndpointCommand({ EndpointName: 'wk', ContentType: 'text/csv', Body: Buffer.from(csv(raw.slice(0, 2))) }));
      expect(Buffer.from(out.Body as Uint8Array).toString('utf8')).toBe(expected(raw.slice(0, 2)));
      client.destroy();
    }
    await until('served by workers', () => loam.servingWorkers!.stats().served.reduce((a, b) => a + b, 0) - before >= 4);
  });

  it('applies a revoked token in the workers at once', async () => {
    const ctx = { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
    const t = await loam.platform.identity.CreateApiToken({ TokenName: 'short', UserName: 'admin' }, ctx);
    for (let i = 0; i < 3; i++) expect((await invoke('wk', csv(raw.slice(0, 1)), t.ApiToken.Token)).status).toBe(200);
    await loam.platform.identity.DeleteApiToken({ TokenId: t.ApiToken.TokenId, UserName: 'admin' }, ctx);
    await sleep(300); // the workers hear of the change within a tick (100 ms)
    for (let i = 0; i < 3; i++) expect((await invoke('wk', csv(raw.slice(0, 1)), t.ApiToken.Token)).status).toBe(401);
  });

  it('routes by the weights and models the main server shifts to (UpdateEndpoint), and captures what workers answer', async () => {
    // A second model that answers differently: trained on other data.
    const other = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'w2/model.tar.gz' }, { rows: 300, rounds: 4 });
    expect((await api('POST', '/api/v1/models', { ModelName: 'wk-m2', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/w2/model.tar.gz' } })).status).toBe(200);
    expect((await api('POST', '/api/v1/endpoint-configs', {
      EndpointConfigName: 'wk-c2', ProductionVariants: [{ VariantName: 'V2', ModelName: 'wk-m2', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://capture/wk', CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] } },
    })).status).toBe(200);
    expect((await api('POST', '/api/v1/endpoints/wk/update', { EndpointConfigName: 'wk-c2' })).status).toBe(200);
    await until('update done', async () => {
      const d = (await api('GET', '/api/v1/endpoints/wk')).body;
      return d.EndpointStatus === 'InService' && d.EndpointConfigName === 'wk-c2';
    }, 60_000);
    await sleep(300);
    const rows = raw.slice(0, 2);
    const want = predictions(other.model, rows);
    const served0 = loam.servingWorkers!.stats().served.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 9; i++) {
      const a = await invoke('wk', csv(rows));
      expect(a.status).toBe(200);
      expect(a.headers['x-amzn-invoked-production-variant']).toBe('V2');
      expect(a.body).toBe(want);
    }
    await until('served by workers', () => loam.servingWorkers!.stats().served.reduce((a, b) => a + b, 0) - served0 >= 6);
    const writer = loam.platform.endpoints.controller.get('wk')?.capture;
    await until('capture of all nine', () => (writer?.stats.captured ?? 0) >= 9);
    await writer?.flush();
    const listed = await loam.platform.artifacts.list({ bucket: 'capture', prefix: 'wk/wk/V2/' });
    const read = async (key: string) => {
      const chunks: Buffer[] = [];
      for await (const c of (await loam.platform.artifacts.get({ bucket: 'capture', key })).body) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8').trim().split('\n');
    };
    const lines = (await Promise.all(listed.objects.map((o) => read(o.key)))).flat();
    expect(lines.length).toBe(9);
    expect(JSON.parse(lines[0] as string).captureData.endpointOutput.data).toBe(want);
  });

  it('hands endpoints served by processes to the main server', async () => {
    await deploy('wkp', {}, { LOAM_SERVING_MODE: 'process' });
    for (let i = 0; i < 6; i++) {
      const a = await invoke('wkp', csv(raw.slice(0, 2)));
      expect(a.status).toBe(200);
      expect(a.body).toBe(expected(raw.slice(0, 2)));
    }
  }, 60_000);

  it('replaces a worker that dies; new connections keep being answered', async () => {
    const pid = loam.servingWorkers!.stats().pids[0] as number;
    process.kill(pid, 'SIGKILL');
    await until('worker gone', () => loam.servingWorkers!.stats().ready < 2);
    for (let i = 0; i < 6; i++) expect((await invoke('wk', csv(raw.slice(0, 1)))).status).toBe(200);
    await until('worker replaced', () => loam.servingWorkers!.stats().ready === 2 && loam.servingWorkers!.stats().restarts === 1, 30_000);
    expect(loam.servingWorkers!.stats().pids[0]).not.toBe(pid);
    await coverWorkers('wk');
  }, 60_000);
});

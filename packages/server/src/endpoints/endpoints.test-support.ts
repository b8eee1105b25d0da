import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { getCurrentTest } from 'vitest/suite';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt, type GbdtModel } from '@loam/ml/gbdt/index';
import { silentLogger, type ArtifactStore } from '@loam/core';
import { loadConfig } from '../config/index.js';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openPlatform } from '../compose/platform.js';
import { buildLoamApp } from '../compose/start.js';

export const xgboostImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

/** A deterministic binary problem: y = 1 when x0 + x1 > 1; `cols` features in [0, 1). */
export function binaryData(rows: number, cols: number, seed = 7) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = createMatrix(rows, cols);
  const y = new Float64Array(rows);
  const raw: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const r: number[] = [];
    for (let j = 0; j < cols; j++) {
      const v = Math.round(rand() * 1e4) / 1e4;
      r.push(v);
      x.data[j * rows + i] = v;
    }
    raw.push(r);
    y[i] = (r[0] as number) + (r[1] as number) > 1 ? 1 : 0;
  }
  return { x, y, raw };
}

/** Trains a small GBDT in process and stores it as a built-in image would: `loam-model.json` in model.tar.gz. */
export async function storeGbdtModel(store: ArtifactStore, uri: { bucket: string; key: string }, opts: { rows?: number; cols?: number; rounds?: number } = {}): Promise<{ model: GbdtModel; raw: number[][] }> {
  const { x, y, raw } = binaryData(opts.rows ?? 400, opts.cols ?? 4);
  const model = await trainGbdt({ x, y }, { num_round: opts.rounds ?? 10, max_depth: 3, objective: 'binary:logistic' });
  await storeModelJson(store, uri, { format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() });
  return { model, raw };
}

export async function storeModelJson(store: ArtifactStore, uri: { bucket: string; key: string }, doc: unknown, extra: Record<string, string> = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-model-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify(doc));
    for (const [name, body] of Object.entries(extra)) writeFileSync(join(dir, name), body);
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz') }, ['loam-model.json', ...Object.keys(extra)]);
    await store.ensureBucket(uri.bucket);
    const { readFileSync } = await import('node:fs');
    await store.put(uri, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A Loam app on `dataDir`, which a previous one may have used (a restart: pass its admin token, as
 * only the first start creates the admin). Endpoints are not brought back until `platform.endpoints.start()`.
 * `close()` leaves the data directory.
 */
export async function openLoamAt(dataDir: string, adminToken?: string, env: Record<string, string> = {}): Promise<TestLoam> {
  const loaded = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent', ...env }, cwd: dataDir });
  const platform = await openPlatform(loaded.config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1:7717', loaded.sources as Record<string, string>);
  await app.ready();
  const admin = await platform.identity.bootstrapAdmin();
  const token = adminToken ?? admin?.apiToken;
  if (!token) throw new Error('no admin token');
  return { app, platform, dataDir, adminToken: token, adminAccessKeyId: '', adminSecretAccessKey: '', close: async () => { await app.close(); await platform.close(); } };
}

/** Calls an operation over REST as the admin. */
export async function call(loam: TestLoam, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${loam.adminToken}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body && r.headers['content-type']?.toString().includes('json') ? JSON.parse(r.body) : r.body };
}

/** Polls DescribeEndpoint until `done(status)` or throws after `timeoutMs`. */
export async function waitForEndpoint(loam: TestLoam, name: string, done: (status: string, body: any) => boolean, timeoutMs = 30_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const d = await call(loam, 'GET', `/api/v1/endpoints/${name}`);
    if (d.status === 200 && done(d.body.EndpointStatus, d.body)) return d.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`endpoint ${name} still ${JSON.stringify(d.body?.EndpointStatus ?? d.body)} after ${timeoutMs} ms: ${d.body?.FailureReason ?? ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Creates config and endpoint for one or more variants and waits until the endpoint leaves Creating. On CI's retry
 * of a failed test (same server) the failed attempt's endpoint and config of that name are removed first.
 */
export async function deploy(loam: TestLoam, name: string, variants: { name: string; modelName: string; count?: number; weight?: number }[], extra: Record<string, unknown> = {}): Promise<any> {
  if ((getCurrentTest()?.result?.retryCount ?? 0) > 0) await removeEndpoint(loam, name);
  const cfg = await call(loam, 'POST', '/api/v1/endpoint-configs', {
    EndpointConfigName: `${name}-cfg`,
    ProductionVariants: variants.map((v) => ({ VariantName: v.name, ModelName: v.modelName, InitialInstanceCount: v.count ?? 1, InstanceType: 'ml.m5.large', InitialVariantWeight: v.weight ?? 1 })),
    ...extra,
  });
  if (cfg.status !== 200) throw new Error(`CreateEndpointConfig: ${JSON.stringify(cfg.body)}`);
  const ep = await call(loam, 'POST', '/api/v1/endpoints', { EndpointName: name, EndpointConfigName: `${name}-cfg` });
  if (ep.status !== 200) throw new Error(`CreateEndpoint: ${JSON.stringify(ep.body)}`);
  return waitForEndpoint(loam, name, (s) => s !== 'Creating');
}

/** Deletes endpoint `name` (once it can be: not while Creating or Updating) and its config `<name>-cfg`, if they exist. */
export async function removeEndpoint(loam: TestLoam, name: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while ((await call(loam, 'GET', `/api/v1/endpoints/${name}`)).status === 200) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`endpoint ${name} was not deleted within ${timeoutMs} ms`);
    await call(loam, 'DELETE', `/api/v1/endpoints/${name}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await call(loam, 'DELETE', `/api/v1/endpoint-configs/${name}-cfg`);
}

export async function invoke(loam: TestLoam, name: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const r = await loam.app.inject({ method: 'POST', url: `/endpoints/${name}/invocations`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv', ...headers }, payload: body });
  return { status: r.statusCode, body: r.body, headers: r.headers };
}

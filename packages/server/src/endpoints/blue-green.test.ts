import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { startServingWorkers } from '../serving-workers/start-serving-workers.js';
import type { ServingWorkerPool } from '../serving-workers/worker-pool.js';
import { call, deploy, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';
import { shareOf, startLoad, type Shot } from './load-generator.test-support.js';

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
let loam: TestLoam;
let url: string;
let row: string;
let pool: ServingWorkerPool | undefined;

/** A script-mode model whose predict_fn fails: the container answers 500 to every invocation. */
async function storeFaultyScriptModel(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-faulty-'));
  try {
    writeFileSync(join(dir, 'inference.py'), 'def model_fn(model_dir):\n    return None\n\ndef input_fn(body, content_type):\n    return body\n\ndef predict_fn(data, model):\n    raise ValueError("faulty canary")\n');
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz'), prefix: 'code/' }, ['inference.py']);
    const { readFileSync } = await import('node:fs');
    await loam.platform.artifacts.put({ bucket: 'models', key: 'faulty/model.tar.gz' }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each([0, 2])('with %i serving workers', (workers) => {
  // Each attempt (CI retries a failed test once) gets its own server and data directory: the names below
  // are fixed, and a failed attempt's endpoint may still be updating; afterEach ends it with its server.
  beforeEach(async () => {
    loam = await openTestLoam();
    await loam.app.listen({ host: '127.0.0.1', port: 0 });
    // With workers, the load's keep-alive connections are spread over the main process and two workers (ADR 0015).
    pool = await startServingWorkers(loam.app, loam.platform, workers, silentLogger);
    await pool?.whenReady();
    const port = (loam.app.server.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}/endpoints/bg/invocations`;
    const { raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm1/model.tar.gz' }, { rounds: 10 });
    await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm2/model.tar.gz' }, { rounds: 20 });
    await storeFaultyScriptModel();
    row = raw[0]!.join(',');
    for (const [name, key] of [['m1', 'm1'], ['m2', 'm2']]) {
      expect((await call(loam, 'POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: xgboostImage, ModelDataUrl: `s3://models/${key}/model.tar.gz` } })).status).toBe(200);
    }
    const faulty = await call(loam, 'POST', '/api/v1/models', {
      ModelName: 'faulty', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/faulty/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } },
    });
    expect(faulty.status, JSON.stringify(faulty.body)).toBe(200);
    for (const [cfg, variant, model] of [['c2', 'B', 'm2'], ['c3', 'C', 'm1'], ['c4', 'F', 'faulty']] as const) {
      const r = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: cfg, ProductionVariants: [{ VariantName: variant, ModelName: model, InitialInstanceCount: cfg === 'c4' ? 1 : 2, InstanceType: 'ml.m5.large' }] });
      expect(r.status).toBe(200);
    }
    expect((await call(loam, 'POST', '/api/v1/alarms', {
      AlarmName: 'bg-5xx', MetricName: 'Invocation5XXErrors', Dimensions: [{ Name: 'EndpointName', Value: 'bg' }], Statistic: 'Sum',
      Period: 2, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
    })).status).toBe(200);
  }, 60_000);
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await loam?.close();
  });

  const update = (config: string, routing: object, extra: object = {}) => call(loam, 'POST', '/api/v1/endpoints/bg/update', {
    EndpointName: 'bg', EndpointConfigName: config,
    DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: routing, TerminationWaitInSeconds: 1, MaximumExecutionTimeoutInSeconds: 600 }, ...extra },
  });

  describe('blue/green updates under load (loopback, ≥ 300 req/s)', () => {
    it('canary, linear, then a faulty canary rolled back by its alarm: no failed request outside the faulty canary', async () => {
      await deploy(loam, 'bg', [{ name: 'A', modelName: 'm1', count: 2 }]);
      const controller = loam.platform.endpoints.controller;
      const load = startLoad(url, loam.adminToken, row, { connections: 16, rate: 600 });
      const marks: Record<string, number> = {};
      let watch: NodeJS.Timeout | undefined;
      try {
        await new Promise((r) => setTimeout(r, 500));
        // 1. CANARY 25 %, baking 2 s.
        // When the controller first gives green a share (after building it: seconds under load), per update.
        const shifted: number[] = [];
        let sharing = false;
        watch = setInterval(() => {
          const now = (controller.get('bg')?.greenShare ?? 0) > 0;
          if (now && !sharing) shifted.push(Date.now());
          sharing = now;
        }, 10);
        marks['canaryStart'] = Date.now();
        expect((await update('c2', { Type: 'CANARY', WaitIntervalInSeconds: 2, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 } })).status).toBe(200);
        await waitForEndpoint(loam, 'bg', (s) => s === 'Updating');
        let d = await waitForEndpoint(loam, 'bg', (s) => s === 'InService', 30_000);
        marks['canaryEnd'] = Date.now();
        marks['canaryShift'] = shifted[0]!;
        expect(d.EndpointConfigName).toBe('c2');
        expect(d.ProductionVariants.map((v: any) => v.VariantName)).toEqual(['B']);
        expect(controller.get('bg')!.generations().map((g) => g.configName)).toEqual(['c2']);

        // 2. LINEAR 50 % steps, baking 1 s each.
        marks['linearStart'] = Date.now();
        expect((await update('c3', { Type: 'LINEAR', WaitIntervalInSeconds: 1, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 } })).status).toBe(200);
        d = await waitForEndpoint(loam, 'bg', (s) => s === 'InService', 30_000);
        marks['linearEnd'] = Date.now();
        marks['linearShift'] = shifted[1]!;
        clearInterval(watch);
        expect(d.EndpointConfigName).toBe('c3');

        // 3. A faulty canary (10 %) with the 5xx alarm: rolled back to c3.
        marks['faultyStart'] = Date.now();
        expect((await update('c4', { Type: 'CANARY', WaitIntervalInSeconds: 20, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } }, { AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'bg-5xx' }] } })).status).toBe(200);
        const seen = new Set<string>();
        d = await waitForEndpoint(loam, 'bg', (s, b) => (seen.add(s), s === 'InService' && b.FailureReason !== undefined), 30_000);
        marks['faultyEnd'] = Date.now();
        expect(d.EndpointConfigName).toBe('c3');
        expect(d.FailureReason).toMatch(/alarm 'bg-5xx'/);
        expect(controller.get('bg')!.generations().map((g) => g.configName)).toEqual(['c3']);
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        clearInterval(watch);
        await load.stop();
      }
      const shots: Shot[] = load.shots;
      const seconds = (shots.at(-1)!.end - shots[0]!.start) / 1000;
      const lat = shots.map((s) => s.end - s.start).sort((a, b) => a - b);
      console.log(`load: ${shots.length} requests in ${seconds.toFixed(1)} s = ${(shots.length / seconds).toFixed(0)} req/s; p50 ${lat[lat.length >> 1]} ms, p99 ${lat[Math.floor(lat.length * 0.99)]} ms; loadavg ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
      expect(shots.length / seconds).toBeGreaterThanOrEqual(300);
      // The workers answered their share themselves (not all handed to the main server).
      if (pool) expect(pool.stats().served.every((n) => n > 100), JSON.stringify(pool.stats())).toBe(true);
      const failed = shots.filter((s) => s.status !== 200);
      const fromCanary = failed.filter((s) => s.status === 424 && s.body.includes('faulty canary'));
      expect(failed.filter((s) => !fromCanary.includes(s)), 'failures outside the faulty canary').toEqual([]);
      expect(fromCanary.length).toBeGreaterThan(0);
      // Rollback within one alarm period (2 s) + 5 s of the first 5xx.
      expect(marks['faultyEnd']! - Math.min(...fromCanary.map((s) => s.end))).toBeLessThan(2000 + 5000);
      // Traffic followed the canary schedule: B took ~25 % while baking, all of it after.
      // Windows start 300 ms after the shift: serving workers hear of it within a tick (ADR 0015).
      const canary = shareOf(shots, 'B', marks['canaryShift']! + 300, marks['canaryShift']! + 1700);
      expect(canary.share).toBeGreaterThan(0.12);
      expect(canary.share).toBeLessThan(0.4);
      expect(shareOf(shots, 'B', marks['canaryEnd']! - 600, marks['canaryEnd']!).share).toBe(1);
      const half = shareOf(shots, 'C', marks['linearShift']! + 300, marks['linearShift']! + 900);
      expect(half.share).toBeGreaterThan(0.3);
      expect(half.share).toBeLessThan(0.7);
      expect(shareOf(shots, 'C', marks['faultyEnd']!, marks['faultyEnd']! + 400).share).toBe(1);
    }, 120_000);
  });
});

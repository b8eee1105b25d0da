import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { storeGbdtModel, xgboostImage } from '@loam/server/endpoints/endpoints.test-support';
import { childPids, pidAlive, restCall, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// kill -9 of the server with an endpoint mid blue/green update and another scaled by
// UpdateEndpointWeightsAndCapacities: after the restart the update is carried out (not silently dropped),
// the scaled endpoint keeps its instance count and weight, and no model server of the killed run is left.
// Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
// failed attempt left there (the names it created, its jobs).
let dataDir = '';
beforeEach(() => {
  dataDir = tempDataDir('loam-endpoint-restart-');
});
let loam: LoamProcess | undefined;
let token = '';

afterEach(async () => {
  if (loam && loam.child.exitCode === null) {
    loam.child.kill('SIGTERM');
    await waitForExit(loam.child, 15_000).catch(() => loam?.child.kill('SIGKILL'));
  }
  rmSync(dataDir, { recursive: true, force: true });
});
const api = (method: string, path: string, body?: unknown): Promise<any> => restCall(loam!.url, token, method, path, body);

async function invoke(endpoint: string, row: string): Promise<string> {
  const r = await fetch(`${loam!.url}/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: row });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`invoke ${endpoint} → ${r.status}: ${text}`);
  return text;
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    const v = await fn().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}



describe('kill -9 of the server during a blue/green update and after a capacity change', () => {
  it('resumes the update, keeps instance counts and weights, and leaves no model server of the killed run', async () => {
    const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
    await storeGbdtModel(artifacts, { bucket: 'models', key: 'v1/model.tar.gz' }, { rounds: 2 });
    const { raw } = await storeGbdtModel(artifacts, { bucket: 'models', key: 'v2/model.tar.gz' }, { rounds: 20 });
    const row = raw[0]!.join(',');

    loam = await startLoamProcess(dataDir);
    token = /loam_api_token = (\S+)/.exec(readFileSync(loam.info.credentialsFile, 'utf8'))![1]!;
    await api('POST', '/api/v1/models', { ModelName: 'm1', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/v1/model.tar.gz' } });
    // v2's instances are processes of their own: the killed server's must not outlive it.
    await api('POST', '/api/v1/models', { ModelName: 'm2', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/v2/model.tar.gz', Environment: { LOAM_SERVING_MODE: 'process' } } });
    await api('POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'c1', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    await api('POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'c2', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm2', InitialInstanceCount: 2, InstanceType: 'ml.m5.large' }] });
    await api('POST', '/api/v1/endpoints', { EndpointName: 'bg', EndpointConfigName: 'c1' });
    await api('POST', '/api/v1/endpoints', { EndpointName: 'wc', EndpointConfigName: 'c1' });
    const describe = (n: string) => api('GET', `/api/v1/endpoints/${n}`);
    await until(async () => ((await describe('bg')).EndpointStatus === 'InService' && (await describe('wc')).EndpointStatus === 'InService' ? true : undefined), 20_000, 'both endpoints InService');
    const v1 = await invoke('bg', row);

    await api('POST', '/api/v1/endpoints/wc/weights-and-capacities', { DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 2, DesiredWeight: 0.5 }] });
    await until(async () => {
      const d = await describe('wc');
      return d.EndpointStatus === 'InService' && d.ProductionVariants[0].CurrentInstanceCount === 2 ? d : undefined;
    }, 20_000, 'wc scaled to 2');
    await api('POST', '/api/v1/endpoints/bg/update', {
      EndpointConfigName: 'c2',
      DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 5, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } }, TerminationWaitInSeconds: 0 } },
    });
    // Green is up and the canary bakes.
    await until(async () => {
      const d = await describe('bg');
      return d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === 'Baking' ? d : undefined;
    }, 30_000, 'the canary baking');
    const modelServers = childPids(loam.child.pid!);
    expect(modelServers.length).toBeGreaterThanOrEqual(2);

    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    loam = await startLoamProcess(dataDir);

    const done = await until(async () => {
      const d = await describe('bg');
      return d.EndpointStatus === 'InService' ? d : undefined;
    }, 40_000, 'bg InService after the restart');
    // The update the server acknowledged is carried out: SageMaker would never drop it without a FailureReason.
    expect([done.EndpointConfigName, done.PendingDeploymentSummary, done.FailureReason]).toEqual(['c2', undefined, undefined]);
    expect(done.ProductionVariants[0]).toMatchObject({ CurrentInstanceCount: 2, DesiredInstanceCount: 2 });
    const v2 = await invoke('bg', row);
    expect(v2).not.toBe(v1);

    const wc = await describe('wc');
    expect(wc.EndpointStatus).toBe('InService');
    expect(wc.ProductionVariants[0]).toMatchObject({ CurrentInstanceCount: 2, DesiredInstanceCount: 2, CurrentWeight: 0.5 });
    expect(await invoke('wc', row)).toBe(v1);

    await until(async () => (modelServers.every((p) => !pidAlive(p)) ? true : undefined), 10_000, 'the killed run\'s model servers gone');
  }, 120_000);
});

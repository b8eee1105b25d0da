import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, invoke, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';
import { startLoad } from './load-generator.test-support.js';
import type { HttpInstance } from './serving-instance.js';

let loam: TestLoam;
let raw: number[][];
let url: string;

// A server per test and per attempt: CI's retry of a failed test must not meet the names it created.
beforeEach(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  ({ raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' }));
  // The same model twice: in process (the default) and as model-server processes.
  for (const [name, env] of [['inproc', {}], ['proc', { LOAM_SERVING_MODE: 'process' }]] as const) {
    const r = await call(loam, 'POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz', Environment: env } });
    expect(r.status).toBe(200);
  }
}, 60_000);
afterEach(async () => loam?.close());

describe('endpoint resilience', () => {
  it('killing one model-server process fails no request; the instance is replaced', async () => {
    const d = await deploy(loam, 'kill', [{ name: 'v', modelName: 'proc', count: 2 }]);
    expect(d.EndpointStatus, d.FailureReason).toBe('InService');
    const fleet = loam.platform.endpoints.controller.get('kill')!.blue.fleets.get('v')!;
    const before = fleet.instances.map((i) => i.id);
    const victim = fleet.instances[0] as HttpInstance;
    const load = startLoad(`${url}/endpoints/kill/invocations`, loam.adminToken, raw[0]!.join(','), { connections: 8, rate: 200 });
    await new Promise((r) => setTimeout(r, 500));
    process.kill(victim.handle.pid!, 'SIGKILL');
    const t0 = Date.now();
    while (!(fleet.instances.length === 2 && fleet.healthyCount() === 2 && !fleet.instances.some((i) => i.id === victim.id))) {
      if (Date.now() - t0 > 30_000) throw new Error(`no replacement: ${fleet.instances.map((i) => `${i.id}:${i.state}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    const shots = await load.stop();
    expect(shots.filter((s) => s.status !== 200).map((s) => `${s.status} ${s.body}`)).toEqual([]);
    expect(shots.length).toBeGreaterThan(100);
    expect(fleet.instances.map((i) => i.id)).not.toEqual(before);
    await call(loam, 'DELETE', '/api/v1/endpoints/kill');
  }, 90_000);

  it('captures sampled requests and responses as JSON Lines in SageMaker’s layout, without failing when capture cannot write', async () => {
    await loam.platform.artifacts.ensureBucket('capture');
    await deploy(loam, 'cap', [{ name: 'v', modelName: 'inproc' }], {
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://capture/dc', CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] } },
    });
    const r = await invoke(loam, 'cap', raw[0]!.join(','), { 'x-amzn-sagemaker-inference-id': 'req-1' });
    expect(r.status).toBe(200);
    const writer = loam.platform.endpoints.controller.get('cap')!.capture!;
    await writer.flush();
    const list = await loam.platform.artifacts.list({ bucket: 'capture', prefix: 'dc/cap/v/' });
    expect(list.objects).toHaveLength(1);
    expect(list.objects[0]!.key).toMatch(/^dc\/cap\/v\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}-\d{2}-\d{3}-[0-9a-f-]{36}\.jsonl$/);
    const { body } = await loam.platform.artifacts.get({ bucket: 'capture', key: list.objects[0]!.key });
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const rec = JSON.parse(Buffer.concat(chunks).toString('utf8').trim());
    expect(rec.captureData.endpointInput).toEqual({ observedContentType: 'text/csv', mode: 'INPUT', data: raw[0]!.join(','), encoding: 'CSV' });
    expect(rec.captureData.endpointOutput).toMatchObject({ observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', data: r.body, encoding: 'CSV' });
    expect(rec.eventMetadata).toMatchObject({ inferenceId: 'req-1' });
    expect(rec.eventMetadata.inferenceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(rec.eventVersion).toBe('0');
    // A store that fails every write: invocations still succeed, and the failure is counted.
    const store = loam.platform.artifacts;
    const put = store.put.bind(store);
    store.put = async () => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); };
    try {
      for (let i = 0; i < 5; i++) expect((await invoke(loam, 'cap', raw[i]!.join(','))).status).toBe(200);
      await writer.flush();
      expect(writer.stats.failedWrites).toBeGreaterThan(0);
      expect(writer.stats.dropped).toBe(5);
    } finally {
      store.put = put;
    }
  }, 30_000);
});

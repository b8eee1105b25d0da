import { describe, expect, it } from 'vitest';
import { fuzzServer } from '../../../operations/fuzz-server.test-support.js';
import { casesOf, fuzzMlflow, mlflowOk, type Endpoint } from '../mlflow-input-fuzz.test-support.js';

// The MLflow input fuzz (../mlflow-input-fuzz.test.ts) over the model registry: registered models, model
// versions, aliases, tags and the two searches, each field broken (missing, of the wrong JSON type, a model
// or version no one has, a version not written as MLflow writes one, an alias MLflow refuses, a stage it does
// not have, a filter it cannot read, values past MLflow's limits) and bodies that are not JSON objects. Every
// answer must be a 4xx {error_code, message} naming the field (or the model or version not found), never a
// 5xx or a hang, and the canary model — its versions, tags, aliases and stages — is unchanged after.
// A fixed number of seeded cases (LOAM_FUZZ_SEED replays another pick; LOAM_FUZZ_MLFLOW_CASES widens a run).

const fuzz = fuzzServer({ seed: 20261129, timeoutMs: 20_000 });
const CASES = Number(process.env.LOAM_FUZZ_MLFLOW_CASES ?? 200);

interface Canary {
  readonly name: string;
}

const ENDPOINTS: readonly Endpoint<Canary>[] = [
  { path: 'registered-models/create', method: 'POST', fields: { name: 'key', description: 'string', tags: 'key-values' }, required: ['name'], base: () => ({ name: 'fuzz-new' }) },
  { path: 'registered-models/get', method: 'GET', fields: { name: 'model' }, required: ['name'], base: (c) => ({ name: c.name }) },
  { path: 'registered-models/update', method: 'PATCH', fields: { name: 'model', description: 'string' }, required: ['name'], base: (c) => ({ name: c.name, description: 'changed by the fuzz' }) },
  { path: 'registered-models/delete', method: 'DELETE', fields: { name: 'model' }, required: ['name'], base: (c) => ({ name: c.name }) },
  { path: 'registered-models/search', method: 'GET', fields: { filter: 'filter', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'registered-models/search', method: 'POST', fields: { filter: 'filter', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'registered-models/get-latest-versions', method: 'POST', fields: { name: 'model', stages: 'strings' }, required: ['name'], base: (c) => ({ name: c.name }) },
  { path: 'registered-models/set-tag', method: 'POST', fields: { name: 'model', key: 'key', value: 'string' }, required: ['name', 'key'], base: (c) => ({ name: c.name, key: 'k2', value: 'v' }) },
  { path: 'registered-models/delete-tag', method: 'DELETE', fields: { name: 'model', key: 'key' }, required: ['name', 'key'], base: (c) => ({ name: c.name, key: 'keep' }) },
  { path: 'registered-models/alias', method: 'POST', fields: { name: 'model', alias: 'alias', version: 'version' }, required: ['name', 'alias', 'version'], base: (c) => ({ name: c.name, alias: 'challenger', version: '1' }) },
  { path: 'registered-models/alias', method: 'DELETE', fields: { name: 'model', alias: 'alias' }, required: ['name', 'alias'], base: (c) => ({ name: c.name, alias: 'champion' }) },
  { path: 'registered-models/alias', method: 'GET', fields: { name: 'model', alias: 'alias' }, required: ['name', 'alias'], base: (c) => ({ name: c.name, alias: 'champion' }) },
  { path: 'model-versions/create', method: 'POST', fields: { name: 'model', source: 'string', run_id: 'string', description: 'string', tags: 'key-values' }, required: ['name'], base: (c) => ({ name: c.name, source: 's3://fuzz-canary/model' }) },
  { path: 'model-versions/get', method: 'GET', fields: { name: 'model', version: 'version' }, required: ['name', 'version'], base: (c) => ({ name: c.name, version: '1' }) },
  { path: 'model-versions/update', method: 'PATCH', fields: { name: 'model', version: 'version', description: 'string' }, required: ['name', 'version'], base: (c) => ({ name: c.name, version: '1', description: 'changed by the fuzz' }) },
  { path: 'model-versions/delete', method: 'DELETE', fields: { name: 'model', version: 'version' }, required: ['name', 'version'], base: (c) => ({ name: c.name, version: '1' }) },
  { path: 'model-versions/search', method: 'GET', fields: { filter: 'filter', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'model-versions/search', method: 'POST', fields: { filter: 'filter', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'model-versions/transition-stage', method: 'POST', fields: { name: 'model', version: 'version', stage: 'stage' }, required: ['name', 'version', 'stage'], base: (c) => ({ name: c.name, version: '2', stage: 'Archived' }) },
  { path: 'model-versions/get-download-uri', method: 'GET', fields: { name: 'model', version: 'version' }, required: ['name', 'version'], base: (c) => ({ name: c.name, version: '1' }) },
  { path: 'model-versions/set-tag', method: 'POST', fields: { name: 'model', version: 'version', key: 'key', value: 'string' }, required: ['name', 'version', 'key'], base: (c) => ({ name: c.name, version: '1', key: 'k2', value: 'v' }) },
  { path: 'model-versions/delete-tag', method: 'DELETE', fields: { name: 'model', version: 'version', key: 'key' }, required: ['name', 'version', 'key'], base: (c) => ({ name: c.name, version: '1', key: 'keep' }) },
];

/** What a refused request could touch, as the API answers it. */
async function snapshot(c: Canary): Promise<unknown> {
  const stamp = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  return stamp({
    model: await mlflowOk(fuzz, 'GET', 'registered-models/get', { name: c.name }),
    v1: await mlflowOk(fuzz, 'GET', 'model-versions/get', { name: c.name, version: '1' }),
    v2: await mlflowOk(fuzz, 'GET', 'model-versions/get', { name: c.name, version: '2' }),
    alias: await mlflowOk(fuzz, 'GET', 'registered-models/alias', { name: c.name, alias: 'champion' }),
    models: await mlflowOk(fuzz, 'GET', 'registered-models/search', { max_results: '100' }),
    versions: await mlflowOk(fuzz, 'GET', 'model-versions/search', { max_results: '100' }),
  });
}

describe('MLflow registry input fuzz: every registry endpoint refuses broken input with a 4xx naming the field', () => {
  it(`seed ${fuzz.seed}: no 5xx, no hang, messages name the field, the canary model unchanged`, async () => {
    const canary: Canary = { name: 'fuzz-canary' };
    await mlflowOk(fuzz, 'POST', 'registered-models/create', { name: canary.name, description: 'before the fuzz', tags: [{ key: 'keep', value: 'me' }] });
    for (const v of ['1', '2']) {
      await mlflowOk(fuzz, 'POST', 'model-versions/create', { name: canary.name, source: `s3://fuzz-canary/model-${v}`, tags: [{ key: 'keep', value: 'me' }] });
    }
    await mlflowOk(fuzz, 'POST', 'model-versions/transition-stage', { name: canary.name, version: '2', stage: 'Staging' });
    await mlflowOk(fuzz, 'POST', 'registered-models/alias', { name: canary.name, alias: 'champion', version: '1' });
    const before = await snapshot(canary);

    const findings = await fuzzMlflow(fuzz, casesOf(ENDPOINTS, canary), CASES, 'mlflow registry input fuzz');
    expect(findings).toEqual([]);
    expect(await snapshot(canary)).toEqual(before);
  }, 120_000);
});

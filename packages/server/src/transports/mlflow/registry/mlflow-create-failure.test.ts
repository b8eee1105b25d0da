import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// model-versions/create wrote the run → version lineage edge and the version's mlflow.* tags after the
// version was committed (registered-models/create its model's mlflow.* tags after the group). A store failing there answered 500 for a version that existed, and MLflow's
// client retries a 500 (MLFLOW_HTTP_REQUEST_MAX_RETRIES): each retry registered another version. Both are
// written in the create's transaction now, so an error leaves nothing and the retry makes version 1.
let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
serverPerAttempt(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

/** The metadata database refuses the rows `when` matches, as a full disk would (SQLite's own error text). */
function refuse(table: 'lineage_edges' | 'tags', when: string | undefined): void {
  const db = new Database(join(loam.dataDir, 'loam.db'));
  try {
    db.exec(when
      ? `create trigger refuse_${table} before insert on ${table} when ${when} begin select raise(abort, 'database or disk is full'); end`
      : `drop trigger if exists refuse_${table}`);
  } finally {
    db.close();
  }
}

const versions = async (name: string) => ((await call('GET', 'model-versions/search', { filter: `name = '${name}'` })).json.model_versions ?? []).map((v: { version: string }) => v.version);

it('a version whose run lineage could not be written is not created, so the retry registers version 1 with its edge', async () => {
  expect((await call('POST', 'registered-models/create', { name: 'churn-edge' })).status).toBe(200);
  const run = (await call('POST', 'runs/create', { experiment_id: '0' })).json.run.info.run_id as string;
  refuse('lineage_edges', "new.source_arn like '%:mlflow-run/%'");
  const failed = await call('POST', 'model-versions/create', { name: 'churn-edge', source: `runs:/${run}/model`, run_id: run });
  expect(failed.status).toBe(500);
  expect(await versions('churn-edge')).toEqual([]);
  refuse('lineage_edges', undefined);
  const retried = await call('POST', 'model-versions/create', { name: 'churn-edge', source: `runs:/${run}/model`, run_id: run });
  expect([retried.status, retried.json.model_version?.version]).toEqual([200, '1']);
  expect(await versions('churn-edge')).toEqual(['1']);
  const p = loam.platform.partition;
  const edges = await loam.platform.store.lineage.edges(`arn:loam:sagemaker:${p.region}:${p.accountId}:model-package/churn-edge/1`, 'upstream');
  expect(edges.map((e) => e.sourceArn)).toContain(`arn:loam:sagemaker:${p.region}:${p.accountId}:mlflow-run/${run}`);
});

it('a version whose mlflow.* tags could not be written is not created, so the retry registers version 1 with them', async () => {
  expect((await call('POST', 'registered-models/create', { name: 'churn-tags' })).status).toBe(200);
  const body = { name: 'churn-tags', source: 's3://models/churn', tags: [{ key: 'mlflow.note', value: 'n' }, { key: 'team', value: 'risk' }] };
  refuse('tags', "new.tag_key like 'mlflow.%'");
  expect((await call('POST', 'model-versions/create', body)).status).toBe(500);
  expect(await versions('churn-tags')).toEqual([]);
  refuse('tags', undefined);
  const retried = await call('POST', 'model-versions/create', body);
  expect([retried.status, retried.json.model_version?.version]).toEqual([200, '1']);
  expect(retried.json.model_version.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.note', value: 'n' }, { key: 'team', value: 'risk' }]));
  expect(await versions('churn-tags')).toEqual(['1']);
});

it('a registered model whose mlflow.* tags could not be written is not created, so the retry creates it with them', async () => {
  const body = { name: 'churn-model-tags', tags: [{ key: 'mlflow.note', value: 'n' }, { key: 'team', value: 'risk' }] };
  refuse('tags', "new.tag_key like 'mlflow.%'");
  expect((await call('POST', 'registered-models/create', body)).status).toBe(500);
  expect((await call('GET', 'registered-models/get', { name: 'churn-model-tags' })).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  refuse('tags', undefined);
  const retried = await call('POST', 'registered-models/create', body);
  expect(retried.status, JSON.stringify(retried.json)).toBe(200);
  expect(retried.json.registered_model.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.note', value: 'n' }, { key: 'team', value: 'risk' }]));
});

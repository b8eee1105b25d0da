import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';

// CreateTransformJob records the job's lineage after the job is stored, outside its transaction. A store
// that then refuses the lineage (SQLite's full-disk error, from a trigger) must not turn a created job
// into a 500: the client's retry would meet ResourceInUse for a job that runs. LineageSync records the
// edges from the stored request instead.
let loam: TestLoam;
serverPerAttempt(async () => {
  loam = await openTestLoam();
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' });
  await loam.platform.artifacts.ensureBucket('refused');
  await loam.platform.artifacts.put({ bucket: 'refused', key: 'in/part.csv' }, Buffer.from('1,2,3\n'));
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } })).status).toBe(200);
}, async () => loam?.close());

/** The metadata database refuses every new lineage artifact, as a full disk would. */
function refuseArtifacts(refuse: boolean): void {
  const db = new Database(join(loam.dataDir, 'loam.db'));
  try {
    db.exec(refuse
      ? `create trigger refuse_artifacts before insert on lineage_artifacts begin select raise(abort, 'database or disk is full'); end`
      : 'drop trigger if exists refuse_artifacts');
  } finally {
    db.close();
  }
}

it('answers 200 for a job it stored though its lineage could not be recorded, and the lineage sync records it', async () => {
  const p = loam.platform.partition;
  const arn = (kind: string, name: string) => `arn:loam:sagemaker:${p.region}:${p.accountId}:${kind}/${name}`;
  refuseArtifacts(true);
  const created = await call(loam, 'POST', '/api/v1/transform-jobs', {
    TransformJobName: 'score-refused', ModelName: 'gbdt',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://refused/in/' } }, ContentType: 'text/csv' },
    TransformOutput: { S3OutputPath: 's3://refused/out' }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  });
  expect([created.status, created.body]).toEqual([200, { TransformJobArn: arn('transform-job', 'score-refused') }]);
  expect((await call(loam, 'GET', '/api/v1/transform-jobs/score-refused')).body.TransformJobStatus).toBe('InProgress');
  refuseArtifacts(false);
  // A background pass that began while the store refused fails; QueryLineage waits for a pass in flight.
  await loam.platform.registry.lineageSync.syncOnce().catch(() => undefined);
  const up = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('transform-job', 'score-refused')], Direction: 'Ascendants', MaxDepth: 1 });
  const down = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('transform-job', 'score-refused')], Direction: 'Descendants', MaxDepth: 1 });
  const uris = async (vs: { Arn: string }[]) => Promise.all(vs.map(async (v) =>
    v.Arn.includes(':artifact/') ? (await call(loam, 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(v.Arn)}`)).body.Source.SourceUri as string : v.Arn));
  expect((await uris(up.body.Vertices)).sort()).toEqual([arn('model', 'gbdt'), 's3://refused/in'].sort());
  expect(await uris(down.body.Vertices)).toEqual(['s3://refused/out']);
});

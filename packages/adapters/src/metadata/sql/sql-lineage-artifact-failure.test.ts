import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import {
  artifactArn, jobsCollection, lineageArtifactsCollection, LineageRecorder, LineageSync, silentLogger, systemClock, type JobRecord, type Partition,
} from '@loam/core';
import { lineageStoreCollections, useDatabaseDirPerAttempt } from './lineage-stores.test-support.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

/*
 * LineageRecorder.artifact swallowed every failure of its insert as if a concurrent caller had recorded
 * the artifact, so a failing database (a full disk, a lost connection) left an edge to an artifact that
 * was never recorded: QueryLineage listed a vertex DescribeArtifact did not know, and LineageSync moved
 * its watermark past the job, so the artifact was never recorded. Only ResourceInUse (the race) is
 * expected; anything else is the caller's failure, and the batch is recorded again on the next pass.
 */
const inDir = useDatabaseDirPerAttempt('loam-lineage-artifact-failure-');
const partition: Partition = { region: 'us-east-1', accountId: '000000000000' };
const collections = lineageStoreCollections;

/** The database refuses every new artifact, as a full disk would (SQLite's own error text). */
function refuseArtifacts(file: string, refuse: boolean): void {
  const db = new Database(file);
  try {
    db.exec(refuse
      ? `create trigger refuse_artifacts before insert on lineage_artifacts begin select raise(abort, 'database or disk is full'); end`
      : 'drop trigger refuse_artifacts');
  } finally {
    db.close();
  }
}

it('a failed artifact insert fails the recording, and no edge names the artifact it did not record', async () => {
  const file = inDir('recorder.db');
  const store = await openSqlMetadataStore({ url: `sqlite:${file}`, collections });
  try {
    const recorder = new LineageRecorder(store, partition, systemClock);
    refuseArtifacts(file, true);
    const job = recorder.arnOf('training-job', 'refused');
    await expect(store.transaction((tx) => recorder.within(tx).input('s3://b/data/train/', job))).rejects.toThrow(/disk is full/);
    expect(await store.lineage.edges(job, 'upstream')).toEqual([]);
    refuseArtifacts(file, false);
    await store.transaction((tx) => recorder.within(tx).input('s3://b/data/train/', job));
    const [edge] = await store.lineage.edges(job, 'upstream');
    expect(edge?.sourceArn).toBe(artifactArn(partition, 's3://b/data/train'));
    expect((await store.collection(lineageArtifactsCollection).get(edge!.sourceArn))?.value.uri).toBe('s3://b/data/train');
  } finally {
    await store.close();
  }
});

it('LineageSync: a pass that could not record an artifact commits nothing, and the next pass records the job whole', async () => {
  const file = inDir('sync.db');
  const store = await openSqlMetadataStore({ url: `sqlite:${file}`, collections });
  try {
    const name = 'xgb-refused';
    const jobArn = `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`;
    await store.collection(jobsCollection).insert({
      id: `training-job/${name}`, kind: 'training-job', name, arn: jobArn, status: 'Completed', secondaryStatus: 'Completed', phase: 'done',
      creationTime: 1_760_000_000, lastModifiedTime: 1_760_000_060, request: { TrainingJobName: name },
      spec: { channels: [{ name: 'train', s3Uri: 's3://seed/data/train/' }], outputs: [] }, modelArtifacts: `s3://seed/output/${name}/model.tar.gz`,
      transitions: [], finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
    } as unknown as JobRecord);
    const sync = new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger });
    refuseArtifacts(file, true);
    await expect(sync.syncOnce()).rejects.toThrow(/disk is full/);
    expect(await store.lineage.edges(jobArn, 'upstream')).toEqual([]);
    refuseArtifacts(file, false);
    await sync.syncOnce();
    const ends = [...(await store.lineage.edges(jobArn, 'upstream')).map((e) => e.sourceArn), ...(await store.lineage.edges(jobArn, 'downstream')).map((e) => e.destinationArn)];
    expect(ends.sort()).toEqual([artifactArn(partition, 's3://seed/data/train'), artifactArn(partition, `s3://seed/output/${name}/model.tar.gz`)].sort());
    // Every artifact an edge names is recorded, so DescribeArtifact knows it.
    for (const arn of ends) expect(await store.collection(lineageArtifactsCollection).get(arn), arn).toBeDefined();
  } finally {
    await store.close();
  }
});

it('LineageSync records a transform job\'s edges, so a create whose own recording failed after the job was stored still gets them', async () => {
  const store = await openSqlMetadataStore({ url: `sqlite:${inDir('transform.db')}`, collections });
  try {
    const name = 'score';
    const jobArn = `arn:loam:sagemaker:us-east-1:000000000000:transform-job/${name}`;
    // The job as CreateTransformJob stores it, with no edge: its own recording (after the store) failed.
    await store.collection(jobsCollection).insert({
      id: `transform-job/${name}`, kind: 'transform-job', name, arn: jobArn, status: 'InProgress', secondaryStatus: 'Starting', phase: 'queued',
      creationTime: 1_760_000_000, lastModifiedTime: 1_760_000_000,
      request: { TransformJobName: name, ModelName: 'Churn-M', TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/in/' } } }, TransformOutput: { S3OutputPath: 's3://b/out' } },
      spec: { channels: [{ name: 'data', s3Uri: 's3://b/in/' }, { name: 'model', s3Uri: 's3://b/model/model.tar.gz' }], outputs: [] },
      transitions: [], finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
    } as unknown as JobRecord);
    await new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger }).syncOnce();
    expect((await store.lineage.edges(jobArn, 'upstream')).map((e) => [e.sourceArn, e.associationType]).sort()).toEqual([
      [artifactArn(partition, 's3://b/in'), 'ContributedTo'], ['arn:loam:sagemaker:us-east-1:000000000000:model/churn-m', 'ContributedTo'],
    ].sort());
    expect((await store.lineage.edges(jobArn, 'downstream')).map((e) => [e.destinationArn, e.associationType])).toEqual([[artifactArn(partition, 's3://b/out'), 'Produced']]);
  } finally {
    await store.close();
  }
});

import { describe, expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { systemPrincipal } from '../kernel/context.js';
import { LoamError } from '../kernel/errors.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection, lineageCollections } from './lineage.collections.js';
import { artifactArn, LineageRecorder } from './lineage-recorder.js';
import { LineageQueryService } from './lineage-query.service.js';
import { datasetsSpec } from '../datasets/dataset.collections.js';
import { modelsCollection, type ModelRecord } from '../models/model.collections.js';
import { jobsCollection } from '../jobs/job.collections.js';
import { tuningJobsCollection } from '../tuning/tuning.collections.js';
import { endpointConfigsCollection, endpointsCollection } from '../endpoints/endpoint.collections.js';
import { modelPackageGroupsCollection, modelPackagesCollection } from '../registry/registry.collections.js';

const resourceCollections = [jobsCollection, tuningJobsCollection, modelsCollection, endpointConfigsCollection, endpointsCollection, datasetsSpec, modelPackageGroupsCollection, modelPackagesCollection];
const partition = { region: 'us-east-1', accountId: '123456789012' };
const ctx = { principal: systemPrincipal, requestId: 't' };
const a = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:123456789012:${kind}/${name}`;

/** Vertices as their locations (an artifact, read from its record) or ARNs, for readable expectations. */
async function labels(store: MetadataStore, vertices: readonly { Arn: string }[]): Promise<string[]> {
  return Promise.all(vertices.map(async (v) => (await store.collection(lineageArtifactsCollection).get(v.Arn))?.value.uri ?? v.Arn));
}

/**
 * A hand-drawn graph: a CSV imported as dataset `d` (written to s3://data/d/v1.parquet), a training job
 * reading the folder s3://data/d/, its model, a package, a model, two endpoint configs and endpoints,
 * and an unrelated job on other data.
 */
async function graph() {
  // The resource kinds' collections, as the server registers them (time filters read them; none holds a record here).
  const store = createMemoryMetadataStore({ collections: [...lineageCollections, ...resourceCollections] });
  const clock = new ManualClock(1000);
  const r = new LineageRecorder(store, partition, clock);
  await r.input('s3://raw/churn.csv', a('dataset', 'd'));
  await r.output(a('dataset', 'd'), 's3://data/d/v1.parquet');
  await r.input('s3://data/d/', a('training-job', 't1'));
  await r.output(a('training-job', 't1'), 's3://models/t1/output/model.tar.gz', 'Model');
  await r.input('s3://models/t1/output/model.tar.gz', a('model-package', 'g/1'), 'Model');
  await r.link(a('model-package', 'g/1'), a('model', 'm1'), 'ContributedTo');
  for (const n of ['1', '2']) {
    await r.link(a('model', 'm1'), a('endpoint-config', `c${n}`), 'ContributedTo');
    await r.link(a('endpoint-config', `c${n}`), a('endpoint', `e${n}`), 'ContributedTo');
  }
  await r.input('s3://other/x.csv', a('training-job', 't2'));
  await r.output(a('training-job', 't2'), 's3://models/t2/model.tar.gz', 'Model');
  return { store, r, q: new LineageQueryService({ store, partition, recorder: r }) };
}

describe('QueryLineage', () => {
  it('a start Loam has nothing of answers ResourceNotFound naming StartArns (SageMaker\'s one documented error); a resource that exists answers without lineage', async () => {
    const { store, r } = await graph();
    const q = new LineageQueryService({ store, partition, recorder: r, resourceExists: async (arn) => (arn === a('model', 'lonely') ? true : arn.includes(':model/') ? false : undefined) });
    for (const start of [a('model', 'never-made'), a('training-job', 'no-lineage'), 's3://raw/not-recorded.csv', a('artifact', '0123456789abcdef0123456789abcdef')]) {
      const err = await q.QueryLineage({ StartArns: [start] }, ctx).then(() => undefined, (e: unknown) => e);
      expect(err, start).toMatchObject({ code: 'ResourceNotFound', message: expect.stringContaining('StartArns/0'), fields: [{ path: '/StartArns/0' }] });
    }
    expect((await q.QueryLineage({ StartArns: [a('model', 'lonely')] }, ctx)).Vertices).toEqual([]);
    expect((await q.QueryLineage({ StartArns: ['s3://raw/churn.csv'], Direction: 'Descendants', MaxDepth: 1 }, ctx)).Vertices).toHaveLength(1);
  });

  it('from an endpoint, walks up to the training data, the dataset and its source', async () => {
    const { q, store } = await graph();
    const out = await q.QueryLineage({ StartArns: [a('endpoint', 'e1')], Direction: 'Ascendants', MaxResults: 50 }, ctx);
    expect(await labels(store, out.Vertices)).toEqual([
      a('endpoint-config', 'c1'), a('model', 'm1'), a('model-package', 'g/1'), 's3://models/t1/output/model.tar.gz', a('training-job', 't1'),
      's3://data/d', 's3://data/d/v1.parquet', a('dataset', 'd'), 's3://raw/churn.csv',
    ]);
    expect(out.Vertices.find((v) => v.Arn === a('training-job', 't1'))).toEqual({ Arn: a('training-job', 't1'), Type: 'TrainingJob', LineageType: 'TrialComponent' });
    // SageMaker's Vertex: Arn, Type, LineageType and nothing else (a location is DescribeArtifact's answer).
    expect(out.Vertices.find((v) => v.Arn === artifactArn(partition, 's3://data/d/'))).toEqual({ Arn: artifactArn(partition, 's3://data/d/'), Type: 'DataSet', LineageType: 'Artifact' });
    expect(out.Edges).toEqual([]);
  });

  it('from a dataset (or its source file), reaches every endpoint built on it and nothing else', async () => {
    const { q } = await graph();
    for (const start of [a('dataset', 'd'), 's3://raw/churn.csv']) {
      const out = await q.QueryLineage({ StartArns: [start], Direction: 'Descendants', Filters: { Types: ['Endpoint'] } }, ctx);
      expect(out.Vertices.map((v) => v.Arn)).toEqual([a('endpoint', 'e1'), a('endpoint', 'e2')]);
    }
    const all = await q.QueryLineage({ StartArns: [a('dataset', 'd')], Direction: 'Descendants', MaxResults: 50 }, ctx);
    expect(all.Vertices.some((v) => v.Arn.endsWith('/t2'))).toBe(false);
  });

  it('stops at MaxDepth, unions both directions, pages, and returns the edges walked', async () => {
    const { q } = await graph();
    const near = await q.QueryLineage({ StartArns: [a('model', 'm1')], MaxDepth: 1, IncludeEdges: true }, ctx);
    expect(near.Vertices.map((v) => v.Arn).sort()).toEqual([a('endpoint-config', 'c1'), a('endpoint-config', 'c2'), a('model-package', 'g/1')].sort());
    expect(near.Edges).toContainEqual({ SourceArn: a('model-package', 'g/1'), DestinationArn: a('model', 'm1'), AssociationType: 'ContributedTo' });
    expect(near.Edges).toHaveLength(3);
    const p1 = await q.QueryLineage({ StartArns: [a('model', 'm1')], MaxResults: 4 }, ctx);
    expect(p1.Vertices).toHaveLength(4);
    const p2 = await q.QueryLineage({ StartArns: [a('model', 'm1')], MaxResults: 4, NextToken: p1.NextToken as string }, ctx);
    const p3 = await q.QueryLineage({ StartArns: [a('model', 'm1')], MaxResults: 4, NextToken: p2.NextToken as string }, ctx);
    expect(p3.NextToken).toBeUndefined();
    // Up: package, model data, job, folder, file, dataset, source (7); down: two configs, two endpoints (4).
    expect(new Set([...p1.Vertices, ...p2.Vertices, ...p3.Vertices].map((v) => v.Arn)).size).toBe(11);
    const byLineageType = await q.QueryLineage({ StartArns: [a('model', 'm1')], Filters: { LineageTypes: ['Action'] } }, ctx);
    expect(byLineageType.Vertices.map((v) => v.Type)).toEqual(['ModelDeployment', 'ModelDeployment']);
  });

  it('links a location to the folders that hold it whichever is recorded first', async () => {
    const { r, q, store } = await graph();
    await r.input('s3://late/', a('training-job', 't3'));
    await r.output(a('processing-job', 'p'), 's3://late/part-0.csv');
    const out = await q.QueryLineage({ StartArns: [a('processing-job', 'p')], Direction: 'Descendants' }, ctx);
    expect(await labels(store, out.Vertices)).toEqual(['s3://late/part-0.csv', 's3://late', a('training-job', 't3')]);
    // A sibling prefix that merely shares characters is not a container.
    await r.output(a('processing-job', 'p2'), 's3://late-not/x.csv');
    expect((await q.QueryLineage({ StartArns: [a('processing-job', 'p2')], Direction: 'Descendants' }, ctx)).Vertices).toHaveLength(1);
  });

  it('records user associations and refuses what it cannot answer', async () => {
    const { q } = await graph();
    const added = await q.AddAssociation({ SourceArn: 's3://notes/review.pdf', DestinationArn: a('model-package', 'g/1'), AssociationType: 'AssociatedWith' }, ctx);
    expect(added).toEqual({ SourceArn: artifactArn(partition, 's3://notes/review.pdf'), DestinationArn: a('model-package', 'g/1') });
    const up = await q.QueryLineage({ StartArns: [a('model-package', 'g/1')], Direction: 'Ascendants', MaxDepth: 1, IncludeEdges: true }, ctx);
    expect(up.Edges).toContainEqual({ SourceArn: added.SourceArn, DestinationArn: a('model-package', 'g/1'), AssociationType: 'AssociatedWith' });
    const e = await q.QueryLineage({ StartArns: ['endpoint/e1'] }, ctx).catch((x: unknown) => x);
    expect((e as LoamError).code).toBe('ValidationException');
  });

  it('Filters: Properties match any pair given, times bound creation and modification (exclusive), every filter must hold', async () => {
    const { q, store } = await graph();
    const artifacts = store.collection(lineageArtifactsCollection);
    // Properties and a later modification, as CreateArtifact and UpdateArtifact write them.
    const set = async (uri: string, properties: Record<string, string>, lastModifiedAt: number) => {
      const cur = (await artifacts.get(artifactArn(partition, uri)))!;
      await artifacts.update(cur.value.arn, cur.version, { ...cur.value, properties, lastModifiedAt });
    };
    await set('s3://data/d/v1.parquet', { stage: 'clean', owner: 'ml' }, 5000);
    await set('s3://raw/churn.csv', { stage: 'raw' }, 3000);
    const up = (Filters: Parameters<LineageQueryService['QueryLineage']>[0]['Filters']) =>
      q.QueryLineage({ StartArns: [a('training-job', 't1')], Direction: 'Ascendants', MaxResults: 50, Filters }, ctx).then((o) => labels(store, o.Vertices));
    expect(await up({ Properties: { stage: 'clean' } })).toEqual(['s3://data/d/v1.parquet']);
    // Any one pair: an entity with either is listed.
    expect((await up({ Properties: { stage: 'raw', owner: 'ml' } })).sort()).toEqual(['s3://data/d/v1.parquet', 's3://raw/churn.csv']);
    expect(await up({ Properties: { stage: 'other' } })).toEqual([]);
    // Every artifact was recorded at 1000 ms (the clock): created after 0.999 s and before 1.001 s, not after 1 s.
    expect(await up({ CreatedAfter: 0.999, CreatedBefore: 1.001, LineageTypes: ['Artifact'] })).toEqual(['s3://data/d', 's3://data/d/v1.parquet', 's3://raw/churn.csv']);
    expect(await up({ CreatedAfter: 1 })).toEqual([]);
    expect(await up({ ModifiedAfter: 2, ModifiedBefore: 4 })).toEqual(['s3://raw/churn.csv']);
    expect(await up({ ModifiedAfter: 2, Properties: { owner: 'ml' } })).toEqual(['s3://data/d/v1.parquet']);
    // A resource has no properties, and this store holds no dataset record to give its times.
    expect(await up({ Properties: { stage: 'raw' }, Types: ['DataSet'] })).toEqual(['s3://raw/churn.csv']);
    expect(await up({ CreatedAfter: 0, LineageTypes: ['Artifact', 'Context'] })).toEqual(['s3://data/d', 's3://data/d/v1.parquet', 's3://raw/churn.csv']);
  });

  it('time filters read a resource named in capitals by its ARN: a dataset keeps its name\'s case, its ARN is lower-cased', async () => {
    const store = createMemoryMetadataStore({ collections: [...lineageCollections, datasetsSpec, modelsCollection] });
    const r = new LineageRecorder(store, partition, new ManualClock(1000));
    // Dataset 'Churn' created at 5 s (its record keeps ms), model 'Churn-M' at 6 s (seconds), as their services write them.
    await store.collection(datasetsSpec).insert({ datasetName: 'Churn', arn: a('dataset', 'churn'), createdAt: 5000, lastModifiedAt: 5000, latestVersion: 1 });
    await store.collection(modelsCollection).insert({ key: 'churn-m', name: 'Churn-M', arn: a('model', 'churn-m'), creationTime: 6 } as unknown as ModelRecord);
    await r.link(a('dataset', 'churn'), a('model', 'churn-m'), 'ContributedTo');
    const q = new LineageQueryService({ store, partition, recorder: r });
    const up = await q.QueryLineage({ StartArns: [a('model', 'churn-m')], Direction: 'Ascendants', Filters: { CreatedAfter: 4, CreatedBefore: 5.5 } }, ctx);
    expect(up.Vertices.map((v) => v.Arn)).toEqual([a('dataset', 'churn')]);
    const down = await q.QueryLineage({ StartArns: [a('dataset', 'churn')], Direction: 'Descendants', Filters: { CreatedAfter: 5.5, CreatedBefore: 6.5 } }, ctx);
    expect(down.Vertices.map((v) => v.Arn)).toEqual([a('model', 'churn-m')]);
  });

  it('refuses a NextToken it did not issue (another listing\'s, text, a negative or fractional offset) naming the field', async () => {
    const { q } = await graph();
    const first = await q.QueryLineage({ StartArns: [a('endpoint', 'e1')], Direction: 'Ascendants', MaxResults: 2 }, ctx);
    expect((await q.QueryLineage({ StartArns: [a('endpoint', 'e1')], Direction: 'Ascendants', MaxResults: 2, NextToken: first.NextToken! }, ctx)).Vertices).toHaveLength(2);
    const forged = (after: unknown, name: string) => Buffer.from(JSON.stringify([after, name])).toString('base64url');
    for (const NextToken of [forged(2, 'associations'), forged('x', 'lineage'), forged(-2, 'lineage'), forged(1.5, 'lineage')]) {
      const e = await q.QueryLineage({ StartArns: [a('endpoint', 'e1')], Direction: 'Ascendants', MaxResults: 2, NextToken }, ctx).catch((x: unknown) => x);
      expect([(e as LoamError).code, (e as LoamError).fields?.[0]?.path], NextToken).toEqual(['ValidationException', '/NextToken']);
    }
  });

  it('leaves out the vertices of deleted resources and their edges, and walks through them', async () => {
    const { store, r } = await graph();
    const deleted = new Set([a('model', 'm1'), a('endpoint', 'e2')]);
    const q = new LineageQueryService({ store, partition, recorder: r, resourceExists: async (arn) => (arn.includes(':artifact/') ? undefined : !deleted.has(arn)) });
    const out = await q.QueryLineage({ StartArns: [a('model-package', 'g/1')], Direction: 'Descendants', IncludeEdges: true }, ctx);
    expect(out.Vertices.map((v) => v.Arn)).toEqual([a('endpoint-config', 'c1'), a('endpoint-config', 'c2'), a('endpoint', 'e1')]);
    expect(out.Edges).toEqual([{ SourceArn: a('endpoint-config', 'c1'), DestinationArn: a('endpoint', 'e1'), AssociationType: 'ContributedTo' }]);
  });

  it('names each resource by the ARN it was recorded under, whichever partition or letter case the request uses', async () => {
    const { q, store } = await graph();
    const aws = 'arn:aws:sagemaker:us-east-1:123456789012:';
    const added = await q.AddAssociation({ SourceArn: 's3://notes/review.pdf', DestinationArn: `${aws}model-package/G/1` }, ctx);
    expect(added.DestinationArn).toBe(a('model-package', 'g/1'));
    const up = await q.QueryLineage({ StartArns: [`${aws}model-package/g/1`], Direction: 'Ascendants', MaxDepth: 1 }, ctx);
    expect(await labels(store, up.Vertices)).toContain('s3://notes/review.pdf');
    const other = await q.AddAssociation({ SourceArn: 'arn:aws:sagemaker:us-east-1:111111111111:training-job/x', DestinationArn: a('model-package', 'g/1') }, ctx).catch((x: unknown) => x);
    expect((other as LoamError).code).toBe('ValidationException');
    expect((other as LoamError).message).toContain("account '111111111111'");
  });

  it('refuses an end Loam does not have (ResourceNotFound), and records nothing', async () => {
    const store = createMemoryMetadataStore({ collections: lineageCollections });
    const r = new LineageRecorder(store, partition, new ManualClock(1000));
    const have = new Set([a('training-job', 't1'), a('model-package', 'g/1')]);
    const q = new LineageQueryService({ store, partition, recorder: r, resourceExists: async (arn) => (arn.includes(':mlflow-run/') ? undefined : have.has(arn)) });
    await r.link(a('mlflow-run', 'run1'), a('training-job', 't1'), 'ContributedTo');
    for (const [SourceArn, DestinationArn] of [
      [a('training-job', 'nope'), a('model-package', 'g/1')],
      [a('training-job', 't1'), a('endpoint', 'nope')],
      [a('mlflow-run', 'never-recorded'), a('model-package', 'g/1')],
      [a('artifact', '0123456789abcdef0123456789abcdef'), a('model-package', 'g/1')],
    ] as const) {
      const e = await q.AddAssociation({ SourceArn, DestinationArn }, ctx).catch((x: unknown) => x);
      expect((e as LoamError).code, `${SourceArn} -> ${DestinationArn}`).toBe('ResourceNotFound');
    }
    expect(await store.lineage.edges(a('model-package', 'g/1'), 'upstream')).toEqual([]);
    await q.AddAssociation({ SourceArn: a('mlflow-run', 'run1'), DestinationArn: a('model-package', 'G/1') }, ctx);
    await q.AddAssociation({ SourceArn: a('training-job', 'T1'), DestinationArn: a('model-package', 'g/1') }, ctx);
    expect((await store.lineage.edges(a('model-package', 'g/1'), 'upstream')).map((e) => e.sourceArn).sort()).toEqual([a('mlflow-run', 'run1'), a('training-job', 't1')].sort());
  });

  it('deletes an association however its ends are spelled, and only one that exists', async () => {
    const { q, store } = await graph();
    const before = await store.lineage.edges(a('model', 'm1'), 'downstream');
    expect(before.map((e) => e.destinationArn)).toContain(a('endpoint-config', 'c1'));
    const out = await q.DeleteAssociation({ SourceArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/M1', DestinationArn: a('endpoint-config', 'c1') }, ctx);
    expect(out).toEqual({ SourceArn: a('model', 'm1'), DestinationArn: a('endpoint-config', 'c1') });
    expect((await store.lineage.edges(a('model', 'm1'), 'downstream')).map((e) => e.destinationArn)).toEqual([a('endpoint-config', 'c2')]);
    const again = await q.DeleteAssociation({ SourceArn: a('model', 'm1'), DestinationArn: a('endpoint-config', 'c1') }, ctx).catch((x: unknown) => x);
    expect((again as LoamError).code).toBe('ResourceNotFound');
    // A location names its artifact, as in AddAssociation.
    await q.DeleteAssociation({ SourceArn: 's3://other/x.csv', DestinationArn: a('training-job', 't2') }, ctx);
    expect(await store.lineage.edges(a('training-job', 't2'), 'upstream')).toEqual([]);
  });
});

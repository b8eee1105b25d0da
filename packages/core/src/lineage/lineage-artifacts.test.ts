import { describe, expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { systemPrincipal } from '../kernel/context.js';
import { LoamError } from '../kernel/errors.js';
import { lineageArtifactsCollection, lineageCollections } from './lineage.collections.js';
import { artifactArn, LineageRecorder } from './lineage-recorder.js';
import { LineageQueryService } from './lineage-query.service.js';
import { LineageArtifactService } from './lineage-artifact.service.js';
import { LineageAssociationsService } from './lineage-associations.service.js';

const partition = { region: 'us-east-1', accountId: '123456789012' };
const ctx = { principal: systemPrincipal, requestId: 't' };
const a = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:123456789012:${kind}/${name}`;
const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e as LoamError).code);

/** Lineage as the capabilities record it (a job reading a folder, writing a model) plus the artifact and association services. */
async function open() {
  const store = createMemoryMetadataStore({ collections: lineageCollections });
  const clock = new ManualClock(1_700_000_000_000);
  const recorder = new LineageRecorder(store, partition, clock);
  await recorder.input('s3://data/train/', a('training-job', 'tj'));
  clock.advance(1000);
  await recorder.output(a('training-job', 'tj'), 's3://models/tj/model.tar.gz', 'Model');
  const jobs = new Set([a('training-job', 'tj'), a('training-job', 'other')]);
  const q = new LineageQueryService({ store, partition, recorder, resourceExists: async (arn) => jobs.has(arn) });
  const artifacts = new LineageArtifactService({ store, partition, clock, recorder });
  const associations = new LineageAssociationsService({ store, partition });
  return { store, clock, recorder, q, artifacts, associations };
}

describe('artifacts', () => {
  it('describes every artifact QueryLineage returns, by the ARN it returns', async () => {
    const { q, artifacts } = await open();
    const out = await q.QueryLineage({ StartArns: [a('training-job', 'tj')], Direction: 'Both' }, ctx);
    const described = await Promise.all(out.Vertices.filter((v) => v.LineageType === 'Artifact').map((v) => artifacts.DescribeArtifact({ ArtifactArn: v.Arn }, ctx)));
    expect(described.map((d) => [d.Source.SourceUri, d.ArtifactType])).toEqual([['s3://data/train', 'DataSet'], ['s3://models/tj/model.tar.gz', 'Model']]);
    expect(described[0]).toEqual({ ArtifactArn: artifactArn(partition, 's3://data/train'), Source: { SourceUri: 's3://data/train' }, ArtifactType: 'DataSet', CreationTime: 1_700_000_000, LastModifiedTime: 1_700_000_000 });
    // SageMaker's partition and any letter case name the same artifact.
    const aws = (out.Vertices[0]?.Arn ?? '').replace('arn:loam:', 'arn:aws:').replace(/artifact\/(\w+)$/, (_, id: string) => `artifact/${id.toUpperCase()}`);
    expect((await artifacts.DescribeArtifact({ ArtifactArn: aws }, ctx)).ArtifactArn).toBe(out.Vertices[0]?.Arn);
  });

  it('creates an artifact with its source ids, properties and tags, and AddAssociation links it to a training job', async () => {
    const { store, clock, q, artifacts, associations } = await open();
    clock.advance(5000);
    const { ArtifactArn } = await artifacts.CreateArtifact({
      ArtifactName: 'review-notes', ArtifactType: 'Report', Source: { SourceUri: 's3://notes/review/', SourceTypes: [{ SourceIdType: 'S3ETag', Value: 'abc' }] },
      Properties: { owner: 'ml-team' }, MetadataProperties: { CommitId: 'c0ffee' }, Tags: [{ Key: 'team', Value: 'ml' }],
    }, ctx);
    expect(ArtifactArn).toBe(artifactArn(partition, 's3://notes/review'));
    expect(await artifacts.DescribeArtifact({ ArtifactArn }, ctx)).toEqual({
      ArtifactName: 'review-notes', ArtifactArn, Source: { SourceUri: 's3://notes/review/', SourceTypes: [{ SourceIdType: 'S3ETag', Value: 'abc' }] }, ArtifactType: 'Report',
      Properties: { owner: 'ml-team' }, CreationTime: 1_700_000_006, LastModifiedTime: 1_700_000_006, MetadataProperties: { CommitId: 'c0ffee' },
    });
    expect(await store.tags.list(ArtifactArn)).toEqual([{ Key: 'team', Value: 'ml' }]);
    await q.AddAssociation({ SourceArn: ArtifactArn, DestinationArn: a('training-job', 'tj'), AssociationType: 'AssociatedWith' }, ctx);
    const listed = await associations.ListAssociations({ SourceArn: ArtifactArn }, ctx);
    expect(listed.AssociationSummaries).toEqual([{
      SourceArn: ArtifactArn, DestinationArn: a('training-job', 'tj'), SourceType: 'Report', DestinationType: 'TrainingJob', AssociationType: 'AssociatedWith',
      SourceName: 'review-notes', DestinationName: 'tj', CreationTime: 1_700_000_006,
    }]);
  });

  it('refuses a location over 2048 bytes in UTF-8 (CreateArtifact, AddAssociation), which a PostgreSQL index cannot hold, naming the field', async () => {
    const { store, q, artifacts } = await open();
    const long = `urn:doc:${'数'.repeat(1000)}`; // 1,008 characters (SageMaker takes 2048), 3,008 bytes
    const err = (await artifacts.CreateArtifact({ ArtifactType: 'DataSet', Source: { SourceUri: long } }, ctx).catch((e: unknown) => e)) as LoamError;
    expect([err.code, err.message]).toEqual(['ValidationException', expect.stringContaining("'Source.SourceUri'")]);
    expect(await code(q.AddAssociation({ SourceArn: long, DestinationArn: a('training-job', 'tj') }, ctx))).toBe('ValidationException');
    expect(await code(q.AddAssociation({ SourceArn: a('training-job', 'tj'), DestinationArn: long }, ctx))).toBe('ValidationException');
    expect(await store.collection(lineageArtifactsCollection).get(artifactArn(partition, long))).toBeUndefined();
    // 2048 one-byte characters fit.
    const fits = `urn:doc:${'a'.repeat(2040)}`;
    expect((await artifacts.CreateArtifact({ ArtifactType: 'DataSet', Source: { SourceUri: fits } }, ctx)).ArtifactArn).toBe(artifactArn(partition, fits));
  });

  it('one artifact per location: CreateArtifact takes over the one lineage recorded, and refuses a second', async () => {
    const { q, artifacts } = await open();
    const recorded = artifactArn(partition, 's3://data/train');
    const { ArtifactArn } = await artifacts.CreateArtifact({ ArtifactName: 'train', ArtifactType: 'DataSet', Source: { SourceUri: 's3://data/train/' }, Properties: { rows: '569' } }, ctx);
    expect(ArtifactArn).toBe(recorded);
    const d = await artifacts.DescribeArtifact({ ArtifactArn }, ctx);
    expect([d.ArtifactName, d.Properties, d.CreationTime, d.LastModifiedTime]).toEqual(['train', { rows: '569' }, 1_700_000_000, 1_700_000_001]);
    // The job's input edge is still there.
    expect((await q.QueryLineage({ StartArns: [a('training-job', 'tj')], Direction: 'Ascendants' }, ctx)).Vertices.map((v) => v.Arn)).toEqual([recorded]);
    expect(await code(artifacts.CreateArtifact({ ArtifactType: 'DataSet', Source: { SourceUri: 's3://data/train' } }, ctx))).toBe('ResourceInUse');
  });

  it('lists by location, type and creation time, newest first by default, in pages', async () => {
    const { clock, artifacts } = await open();
    for (const n of [1, 2, 3]) {
      clock.advance(10_000);
      await artifacts.CreateArtifact({ ArtifactType: n === 2 ? 'Image' : 'DataSet', Source: { SourceUri: `s3://more/${n}` } }, ctx);
    }
    const uris = (r: { ArtifactSummaries: { Source: { SourceUri: string } }[] }) => r.ArtifactSummaries.map((s) => s.Source.SourceUri);
    expect(uris(await artifacts.ListArtifacts({}, ctx))).toEqual(['s3://more/3', 's3://more/2', 's3://more/1', 's3://models/tj/model.tar.gz', 's3://data/train']);
    expect(uris(await artifacts.ListArtifacts({ SortOrder: 'Ascending', SortBy: 'CreationTime' }, ctx))[0]).toBe('s3://data/train');
    expect(uris(await artifacts.ListArtifacts({ SourceUri: 's3://data/train/' }, ctx))).toEqual(['s3://data/train']);
    expect(uris(await artifacts.ListArtifacts({ ArtifactType: 'DataSet' }, ctx))).toEqual(['s3://more/3', 's3://more/1', 's3://data/train']);
    // Creation times: 1_700_000_000 (data), _001 (model), _011, _021, _031 (more/1..3); both bounds exclusive.
    expect(uris(await artifacts.ListArtifacts({ CreatedAfter: 1_700_000_001, CreatedBefore: 1_700_000_031 }, ctx))).toEqual(['s3://more/2', 's3://more/1']);
    const p1 = await artifacts.ListArtifacts({ MaxResults: 2 }, ctx);
    const p2 = await artifacts.ListArtifacts({ MaxResults: 2, NextToken: p1.NextToken as string }, ctx);
    const p3 = await artifacts.ListArtifacts({ MaxResults: 2, NextToken: p2.NextToken as string }, ctx);
    expect([...uris(p1), ...uris(p2), ...uris(p3)]).toEqual(uris(await artifacts.ListArtifacts({}, ctx)));
    expect(p3.NextToken).toBeUndefined();
  });

  it('updates the name and properties', async () => {
    const { clock, artifacts } = await open();
    const { ArtifactArn } = await artifacts.CreateArtifact({ ArtifactType: 'DataSet', Source: { SourceUri: 's3://u/x' }, Properties: { a: '1', b: '2' } }, ctx);
    clock.advance(2000);
    await artifacts.UpdateArtifact({ ArtifactArn, ArtifactName: 'renamed', Properties: { c: '3' }, PropertiesToRemove: ['a'] }, ctx);
    const d = await artifacts.DescribeArtifact({ ArtifactArn }, ctx);
    expect([d.ArtifactName, d.Properties, d.LastModifiedTime - d.CreationTime]).toEqual(['renamed', { b: '2', c: '3' }, 2]);
    const many = Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`k${i}`, 'v']));
    expect(await code(artifacts.UpdateArtifact({ ArtifactArn, Properties: many }, ctx))).toBe('ValidationException');
  });

  it('deletes by ARN or by Source, with its associations and tags; refuses what it cannot name', async () => {
    const { store, q, artifacts, associations } = await open();
    const { ArtifactArn } = await artifacts.CreateArtifact({ ArtifactType: 'Report', Source: { SourceUri: 's3://notes/r.pdf' }, Tags: [{ Key: 'k', Value: 'v' }] }, ctx);
    await q.AddAssociation({ SourceArn: ArtifactArn, DestinationArn: a('training-job', 'tj') }, ctx);
    await q.AddAssociation({ SourceArn: a('training-job', 'other'), DestinationArn: ArtifactArn }, ctx);
    expect(await artifacts.DeleteArtifact({ Source: { SourceUri: 's3://notes/r.pdf' } }, ctx)).toEqual({ ArtifactArn });
    expect(await store.lineage.edges(ArtifactArn, 'downstream')).toEqual([]);
    expect(await store.lineage.edges(ArtifactArn, 'upstream')).toEqual([]);
    expect(await store.tags.list(ArtifactArn)).toEqual([]);
    expect((await associations.ListAssociations({ DestinationArn: a('training-job', 'tj') }, ctx)).AssociationSummaries.map((s) => s.SourceArn)).toEqual([artifactArn(partition, 's3://data/train')]);
    expect(await code(artifacts.DescribeArtifact({ ArtifactArn }, ctx))).toBe('ResourceNotFound');
    expect(await code(artifacts.DeleteArtifact({ ArtifactArn }, ctx))).toBe('ResourceNotFound');
    expect(await code(artifacts.DeleteArtifact({}, ctx))).toBe('ValidationException');
    expect(await code(artifacts.DeleteArtifact({ ArtifactArn: artifactArn(partition, 's3://data/train'), Source: { SourceUri: 's3://elsewhere' } }, ctx))).toBe('ValidationException');
    for (const bad of ['not-an-arn', a('training-job', 'tj'), 'arn:aws:sagemaker:us-east-1:111111111111:artifact/0123']) {
      expect(await code(artifacts.DescribeArtifact({ ArtifactArn: bad }, ctx)), bad).toBe('ValidationException');
    }
    // The recorded artifact can go too (by ARN), with the job's input edge.
    await artifacts.DeleteArtifact({ ArtifactArn: artifactArn(partition, 's3://data/train/') }, ctx);
    expect(await store.lineage.edges(a('training-job', 'tj'), 'upstream')).toEqual([]);
  });
});

describe('ListAssociations', () => {
  it('pages the whole table in creation order, a page at a time, leaving out what the caller may not read', async () => {
    const { store, clock, recorder } = await open();
    // 1,200 associations (more than one store read), one in three from a hidden job, several per millisecond.
    for (let n = 0; n < 1200; n++) {
      if (n % 4 === 0) clock.advance(1);
      await recorder.link(a('training-job', n % 3 === 0 ? `hidden-${n}` : `job-${n}`), a('model', `m-${n}`), 'Produced');
    }
    const denied = { code: 'AccessDeniedException' };
    const associations = new LineageAssociationsService({ store, partition, authorize: async (_p, _action, resource) => { if (resource.includes('hidden-')) throw denied; } });
    for (const SortOrder of ['Descending', 'Ascending'] as const) {
      const expected = (await store.lineage.list({ order: SortOrder })).filter((e) => !e.sourceArn.includes('hidden-')).map((e) => `${e.sourceArn} ${e.destinationArn}`);
      const seen: string[] = [];
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const page = await associations.ListAssociations({ SortOrder, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }, ctx);
        seen.push(...page.AssociationSummaries.map((s) => `${s.SourceArn} ${s.DestinationArn}`));
        NextToken = page.NextToken;
        pages++;
      } while (NextToken);
      expect(seen, SortOrder).toEqual(expected);
      expect(seen).toHaveLength(802);
      expect(pages).toBeLessThanOrEqual(10);
    }
    for (const [SortBy, sortBy] of [['SourceArn', 'sourceArn'], ['DestinationArn', 'destinationArn']] as const) {
      const expected = (await store.lineage.list({ sortBy, order: 'Ascending' })).filter((e) => !e.sourceArn.includes('hidden-')).map((e) => `${e.sourceArn} ${e.destinationArn}`);
      const seen: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await associations.ListAssociations({ SortBy, SortOrder: 'Ascending', MaxResults: 100, ...(NextToken ? { NextToken } : {}) }, ctx);
        seen.push(...page.AssociationSummaries.map((s) => `${s.SourceArn} ${s.DestinationArn}`));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(seen, SortBy).toEqual(expected);
    }
  });


  it('filters by either end, types, association type and time; sorts and pages', async () => {
    const { clock, recorder, associations } = await open();
    clock.advance(60_000);
    await recorder.link(a('model', 'm'), a('endpoint-config', 'c'), 'ContributedTo');
    await recorder.link(a('model-package', 'g/1'), a('model', 'm'), 'DerivedFrom');
    const data = artifactArn(partition, 's3://data/train');
    const model = artifactArn(partition, 's3://models/tj/model.tar.gz');
    const pairs = (r: { AssociationSummaries: { SourceArn: string; DestinationArn: string }[] }) => r.AssociationSummaries.map((s) => `${s.SourceArn.split(':').pop()} > ${s.DestinationArn.split(':').pop()}`);
    // Newest first; the two edges made in the same millisecond by source ARN, reversed ('model-package/…' < 'model/…').
    expect(pairs(await associations.ListAssociations({}, ctx))).toEqual([
      'model/m > endpoint-config/c', 'model-package/g/1 > model/m',
      `training-job/tj > artifact/${model.split('/').pop()}`, `artifact/${data.split('/').pop()} > training-job/tj`,
    ]);
    expect(pairs(await associations.ListAssociations({ DestinationArn: 's3://models/tj/model.tar.gz' }, ctx))).toEqual([`training-job/tj > artifact/${model.split('/').pop()}`]);
    expect(pairs(await associations.ListAssociations({ SourceType: 'DataSet' }, ctx))).toEqual([`artifact/${data.split('/').pop()} > training-job/tj`]);
    // A Model is both a model resource and a model artifact's type.
    expect(pairs(await associations.ListAssociations({ DestinationType: 'Model' }, ctx))).toEqual(['model-package/g/1 > model/m', `training-job/tj > artifact/${model.split('/').pop()}`]);
    expect(pairs(await associations.ListAssociations({ DestinationType: 'ModelDeployment' }, ctx))).toEqual(['model/m > endpoint-config/c']);
    expect(pairs(await associations.ListAssociations({ AssociationType: 'Produced' }, ctx))).toEqual([`training-job/tj > artifact/${model.split('/').pop()}`]);
    expect(pairs(await associations.ListAssociations({ CreatedAfter: 1_700_000_000, CreatedBefore: 1_700_000_002 }, ctx))).toEqual([`training-job/tj > artifact/${model.split('/').pop()}`]);
    const bySource = await associations.ListAssociations({ SortBy: 'SourceArn', SortOrder: 'Ascending', MaxResults: 3 }, ctx);
    expect(bySource.AssociationSummaries.map((s) => s.SourceArn)).toEqual([data, a('model-package', 'g/1'), a('model', 'm')]);
    const rest = await associations.ListAssociations({ SortBy: 'SourceArn', SortOrder: 'Ascending', MaxResults: 3, NextToken: bySource.NextToken as string }, ctx);
    expect(rest.AssociationSummaries.map((s) => s.SourceArn)).toEqual([a('training-job', 'tj')]);
    expect(rest.NextToken).toBeUndefined();
    // A package's name is not an ExperimentEntityName ('g/1'), so it is left out rather than answered malformed.
    const fromPackage = (await associations.ListAssociations({ SourceArn: a('model-package', 'g/1') }, ctx)).AssociationSummaries[0];
    expect([fromPackage?.SourceName, fromPackage?.DestinationName]).toEqual([undefined, 'm']);
    expect(await code(associations.ListAssociations({ SourceArn: 'training-job/tj' }, ctx))).toBe('ValidationException');
    expect(await code(associations.ListAssociations({ NextToken: bySource.NextToken as string }, ctx))).toBe('ValidationException');
    expect((await associations.ListAssociations({ SourceArn: a('training-job', 'nope') }, ctx)).AssociationSummaries).toEqual([]);
  });
});

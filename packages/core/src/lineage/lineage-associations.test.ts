import { expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { systemPrincipal } from '../kernel/context.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection, lineageCollections } from './lineage.collections.js';
import { artifactArn, LineageRecorder } from './lineage-recorder.js';
import { LineageAssociationsService } from './lineage-associations.service.js';
import { lineageVertex } from './lineage-vertex.js';

const partition = { region: 'us-east-1', accountId: '123456789012' };
const ctx = { principal: systemPrincipal, requestId: 't' };
const a = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:123456789012:${kind}/${name}`;

/*
 * ListAssociations sorted by SourceType or DestinationType with no end given looked up both ends' vertices
 * (an artifact's record each) for every edge in the table, for every page: 52 s for two pages over 10,000
 * edges (bench/RESULTS-scale.md). Now the types are read in one pass over the artifacts and vertices are
 * looked up only for the edges up to the page's end.
 */
it('SortBy SourceType/DestinationType with no end: pages in type order, and looks up vertices only up to the page', async () => {
  const base = createMemoryMetadataStore({ collections: lineageCollections });
  const r = new LineageRecorder(base, partition, new ManualClock(1000));
  for (let i = 0; i < 600; i++) {
    await r.input(`s3://d/${i}/train.csv`, a('training-job', `j${i}`));
    await r.output(a('training-job', `j${i}`), `s3://m/${i}/model.tar.gz`, 'Model');
    await r.link(a('model', `m${i}`), a('endpoint-config', `c${i}`), 'ContributedTo');
  }
  // The real store, with its artifact lookups by key counted.
  let gets = 0;
  const bound = <T extends object>(t: T, p: string | symbol): unknown => {
    const v = Reflect.get(t, p) as unknown;
    return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(t) : v;
  };
  const store = new Proxy(base, {
    get(target, prop) {
      if (prop !== 'collection') return bound(target, prop);
      return (spec: typeof lineageArtifactsCollection) => {
        const c = target.collection(spec);
        return spec.name !== lineageArtifactsCollection.name ? c : new Proxy(c, {
          get: (t, p) => (p === 'get' ? (key: string) => (gets++, t.get(key)) : bound(t, p)),
        });
      };
    },
  }) as MetadataStore;
  const svc = new LineageAssociationsService({ store, partition });
  // The expected order, from every edge's vertices.
  const all = await Promise.all((await base.lineage.list()).map(async (e) => ({
    e, s: (await lineageVertex(base, e.sourceArn)).vertex.Type, d: (await lineageVertex(base, e.destinationArn)).vertex.Type,
  })));
  for (const [SortBy, key] of [['SourceType', 's'], ['DestinationType', 'd']] as const) {
    for (const SortOrder of ['Ascending', 'Descending'] as const) {
      const sign = SortOrder === 'Ascending' ? 1 : -1;
      const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
      const expected = [...all].sort((x, y) => sign * (cmp(x[key], y[key]) || cmp(x.e.sourceArn, y.e.sourceArn) || cmp(x.e.destinationArn, y.e.destinationArn)))
        .slice(0, 20).map((x) => `${x.e.sourceArn} > ${x.e.destinationArn}`);
      gets = 0;
      const first = await svc.ListAssociations({ SortBy, SortOrder, MaxResults: 10 }, ctx);
      const second = await svc.ListAssociations({ SortBy, SortOrder, MaxResults: 10, NextToken: first.NextToken! }, ctx);
      expect([...first.AssociationSummaries, ...second.AssociationSummaries].map((x) => `${x.SourceArn} > ${x.DestinationArn}`), `${SortBy} ${SortOrder}`).toEqual(expected);
      // 1,800 edges with 1,200 artifact ends: a page looks up the ends of the edges up to its end (one chunk of
      // 500 here), not all 1,200 artifacts.
      expect(gets, `${SortBy} ${SortOrder}`).toBeLessThanOrEqual(2 * 500);
    }
  }
});

it('refuses an offset NextToken it did not issue (negative, fractional), with an end given and in type order', async () => {
  const store = createMemoryMetadataStore({ collections: lineageCollections });
  const r = new LineageRecorder(store, partition, new ManualClock(1000));
  for (let i = 0; i < 5; i++) await r.input(`s3://d/${i}.csv`, a('training-job', 'j'));
  const svc = new LineageAssociationsService({ store, partition });
  const forged = (after: unknown) => Buffer.from(JSON.stringify([after, 'associations'])).toString('base64url');
  for (const input of [{ DestinationArn: a('training-job', 'j') }, { SortBy: 'SourceType' as const }]) {
    const first = await svc.ListAssociations({ ...input, MaxResults: 2 }, ctx);
    expect((await svc.ListAssociations({ ...input, MaxResults: 2, NextToken: first.NextToken! }, ctx)).AssociationSummaries).toHaveLength(2);
    for (const after of [-2, 1.5]) {
      const e = await svc.ListAssociations({ ...input, MaxResults: 2, NextToken: forged(after) }, ctx).catch((x: unknown) => x);
      expect([(e as { code?: string }).code, (e as { fields?: { path: string }[] }).fields?.[0]?.path], `${JSON.stringify(input)} ${after}`).toEqual(['ValidationException', '/NextToken']);
    }
  }
});

it('SortBy SourceType with no end: an association recorded between two pages neither repeats one nor hides one', async () => {
  const store = createMemoryMetadataStore({ collections: lineageCollections });
  const r = new LineageRecorder(store, partition, new ManualClock(1000));
  // One source type for all (DataSet): the order within it is by source ARN, then destination.
  for (const n of ['b', 'd', 'f', 'h']) await r.input(`s3://d/${n}.csv`, a('training-job', 'j'));
  const svc = new LineageAssociationsService({ store, partition });
  const listed = (out: { AssociationSummaries: { SourceArn: string }[] }) => out.AssociationSummaries.map((x) => x.SourceArn);
  const all = listed(await svc.ListAssociations({ SortBy: 'SourceType', SortOrder: 'Ascending', MaxResults: 10 }, ctx));
  expect(all).toHaveLength(4);
  const first = await svc.ListAssociations({ SortBy: 'SourceType', SortOrder: 'Ascending', MaxResults: 2 }, ctx);
  expect(listed(first)).toEqual(all.slice(0, 2));
  // LineageSync records one more before the next page, sorting before the page's cut (artifact ARNs are hashes).
  let k = 0;
  while (artifactArn(partition, `s3://d/new-${k}.csv`) >= all[1]!) k++;
  await r.input(`s3://d/new-${k}.csv`, a('training-job', 'j'));
  const second = await svc.ListAssociations({ SortBy: 'SourceType', SortOrder: 'Ascending', MaxResults: 2, NextToken: first.NextToken! }, ctx);
  expect(listed(second)).toEqual(all.slice(2, 4));
  expect(second.NextToken).toBeUndefined();
});

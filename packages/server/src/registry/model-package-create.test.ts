import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlMetadataStore } from '@loam/adapters';
import {
  LineageRecorder, lineageCollections, ModelPackageGroupService, ModelPackageService, registryCollections, systemClock,
  type LineageStore, type MetadataStore, type RequestContext,
} from '@loam/core';

// CreateModelPackage over the real SQL stores (SQLite file and PostgreSQL):
// - ClientToken made nothing idempotent: a client retrying a create (after a timeout, or a server that
//   died between the commit and the answer) got a second version.
// - Lineage was recorded after the create's transaction, so a failure between them left a package
//   with no lineage.

const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const pgUrl = process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'loam-mp-create-'));
const pgSchema = `loam_test_${randomBytes(6).toString('hex')}`;
const opened: MetadataStore[] = [];

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.query(`drop schema if exists ${pgSchema} cascade`).finally(() => client.end());
});

const backends: Record<string, () => Promise<MetadataStore>> = {
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: [...registryCollections, ...lineageCollections] }),
  PostgreSQL: () => openSqlMetadataStore({ url: pgUrl, schema: pgSchema, collections: [...registryCollections, ...lineageCollections] }),
};

/** The store with every lineage write failing: what a crash between the package and its lineage looks like. */
function failingLineage(store: MetadataStore): MetadataStore {
  const lineage: LineageStore = { ...store.lineage, edges: (a, d) => store.lineage.edges(a, d), remove: (s, d) => store.lineage.remove(s, d), add: () => Promise.reject(new Error('crashed before lineage')) };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'lineage') return lineage;
      if (prop === 'transaction') return <R>(fn: (tx: MetadataStore) => Promise<R>) => target.transaction((tx) => fn(failingLineage(tx)));
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const spec = (url = 's3://models/churn/model.tar.gz') => ({ Containers: [{ Image: 'xgboost', ModelDataUrl: url }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] });

describe.each(Object.keys(backends))('CreateModelPackage on %s', (backend) => {
  const b = backend.toLowerCase();
  const services = async (wrap: (s: MetadataStore) => MetadataStore = (s) => s) => {
    const raw = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(raw);
    const store = wrap(raw);
    const lineage = new LineageRecorder(store, partition, systemClock);
    return { store: raw, groups: new ModelPackageGroupService({ store, clock: systemClock, partition }), packages: new ModelPackageService({ store, clock: systemClock, partition, lineage }) };
  };
  const versions = async (packages: ModelPackageService, group: string) =>
    (await packages.ListModelPackages({ ModelPackageGroupName: group }, ctx)).ModelPackageSummaryList.map((p) => p.ModelPackageArn);

  it('answers a retry with the same ClientToken with the first ARN and creates nothing more', async () => {
    const { groups, packages, store } = await services();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: `retry-${b}` }, ctx);
    const request = { ModelPackageGroupName: `retry-${b}`, InferenceSpecification: spec(), ClientToken: `tok-${b}-1`, Tags: [{ Key: 'team', Value: 'risk' }] };
    const first = await packages.CreateModelPackage(request, ctx);
    // A retry (the same request, keys in another order) answers the same ARN.
    const again = await packages.CreateModelPackage({ Tags: request.Tags, ClientToken: request.ClientToken, InferenceSpecification: spec(), ModelPackageGroupName: request.ModelPackageGroupName }, ctx);
    expect(again.ModelPackageArn).toBe(first.ModelPackageArn);
    expect(await versions(packages, `retry-${b}`)).toEqual([first.ModelPackageArn]);
    const events = await packages.ListModelPackageEvents({ ModelPackageGroupName: `retry-${b}` }, ctx);
    expect(events.Events).toHaveLength(1);
    // Without a token, or with another one, each call is a new version.
    const { ClientToken: _t, ...untokened } = request;
    expect((await packages.CreateModelPackage(untokened, ctx)).ModelPackageArn).toMatch(/\/2$/);
    expect((await packages.CreateModelPackage({ ...request, ClientToken: `tok-${b}-2` }, ctx)).ModelPackageArn).toMatch(/\/3$/);
    // The same token with another request is refused, naming what it created.
    const other = packages.CreateModelPackage({ ...request, ModelPackageDescription: 'another' }, ctx);
    await expect(other).rejects.toMatchObject({ code: 'ConflictException', message: expect.stringContaining(`ClientToken 'tok-${b}-1' was already used for a different CreateModelPackage request (it created ${first.ModelPackageArn})`) });
    expect(await versions(packages, `retry-${b}`)).toHaveLength(3);
    // Deleting the package frees its token.
    await packages.DeleteModelPackage({ ModelPackageName: first.ModelPackageArn }, ctx);
    expect((await packages.CreateModelPackage(request, ctx)).ModelPackageArn).toMatch(/\/4$/);
    // Unversioned packages too.
    const un = { ModelPackageName: `solo-${b}`, InferenceSpecification: spec(), ClientToken: `tok-${b}-solo` };
    const u1 = await packages.CreateModelPackage(un, ctx);
    expect((await packages.CreateModelPackage(un, ctx)).ModelPackageArn).toBe(u1.ModelPackageArn);
    await expect(packages.CreateModelPackage({ ...un, ClientToken: `tok-${b}-solo2` }, ctx)).rejects.toMatchObject({ code: 'ResourceInUse' });
    void store;
  });

  it('makes concurrent retries with one ClientToken one version', async () => {
    // On PostgreSQL two stores over one database, as two servers (or a pool) would be; SQLite is one
    // connection per file (one Loam process), whose calls the store queues.
    const s1 = await services();
    const s2 = backend === 'SQLite' ? s1 : await services();
    const group = `race-${b}`;
    await s1.groups.CreateModelPackageGroup({ ModelPackageGroupName: group }, ctx);
    const request = { ModelPackageGroupName: group, InferenceSpecification: spec(), ClientToken: `race-${b}` };
    const answers = await Promise.all([s1, s2, s1, s2, s1, s2].map((s) => s.packages.CreateModelPackage(request, ctx)));
    expect(new Set(answers.map((x) => x.ModelPackageArn)).size).toBe(1);
    expect(await versions(s1.packages, group)).toEqual([answers[0]?.ModelPackageArn]);
    const solo = { ModelPackageName: `race-solo-${b}`, InferenceSpecification: spec(), ClientToken: `race-solo-${b}` };
    const soloAnswers = await Promise.all([s1, s2, s1, s2].map((s) => s.packages.CreateModelPackage(solo, ctx)));
    expect(new Set(soloAnswers.map((x) => x.ModelPackageArn)).size).toBe(1);
  });

  it('commits a package and its lineage together', async () => {
    const ok = await services();
    await ok.groups.CreateModelPackageGroup({ ModelPackageGroupName: `lin-${b}` }, ctx);
    const broken = await services(failingLineage);
    const failed = broken.packages.CreateModelPackage({ ModelPackageGroupName: `lin-${b}`, InferenceSpecification: spec('s3://models/lin/a.tar.gz') }, ctx);
    await expect(failed).rejects.toThrow('crashed before lineage');
    // Nothing half-made: no package without lineage (the version number is not used either).
    expect(await versions(ok.packages, `lin-${b}`)).toEqual([]);
    const made = await ok.packages.CreateModelPackage({ ModelPackageGroupName: `lin-${b}`, InferenceSpecification: spec('s3://models/lin/a.tar.gz') }, ctx);
    expect(made.ModelPackageArn).toMatch(/\/1$/);
    const up = await ok.store.lineage.edges(made.ModelPackageArn, 'upstream');
    const down = await ok.store.lineage.edges(made.ModelPackageArn, 'downstream');
    expect(up).toHaveLength(1);
    expect(down.map((e) => e.destinationArn)).toEqual([`arn:loam:sagemaker:us-east-1:000000000000:model-package-group/lin-${b}`]);
  });
});

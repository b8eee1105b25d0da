import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine, LocalFsArtifactStore, openSqlMetadataStore } from '@loam/adapters';
import {
  authorize, DatasetService, datasetCollections as datasetOnlyCollections, datasetObjectIntentsSpec, lineageRetirementsCollection, datasetVersionsSpec, parsePolicyDocument, systemClock,
  type ArtifactStore, type Clock, type CollectionSpec, type MetadataStore, type PolicyDocument, type RequestContext,
} from '@loam/core';

// DeleteDataset and ImportDatasetVersion over the real SQL stores (SQLite file and PostgreSQL), the local
// artifact store, DuckDB and the IAM policy evaluator.
// - DeleteDataset was not one transaction: it read the latest version, deleted each version's snapshot
//   and then its row, one by one, and the dataset last. An import committing in between was acknowledged
//   and then left as a version row (and snapshot) of no dataset, which also blocked the name: a new
//   dataset of that name could never record that version number again. A failure part way left rows
//   whose snapshot was gone; the uploads and tags of a deleted dataset stayed.
// - ImportDatasetVersion could not create its dataset, so Studio created it first and a failed import
//   left an empty dataset behind.

// DeleteDataset retires the dataset's lineage vertex in its transaction (lineage-lives.ts).
const datasetCollections = [...datasetOnlyCollections, lineageRetirementsCollection];

const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const importer: RequestContext = { principal: { userName: 'importer', userId: 'id-importer', arn: 'arn:loam:iam::000000000000:user/importer', via: 'token' }, requestId: 't' };
const policy = (actions: string[]) => parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }));
const policies: Record<string, PolicyDocument[]> = { admin: [policy(['sagemaker:*'])], importer: [policy(['sagemaker:ImportDatasetVersion', 'sagemaker:DescribeDataset'])] };
const pgUrl = process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'loam-ds-delete-'));
const pgSchema = `loam_test_${randomBytes(6).toString('hex')}`;
const opened: MetadataStore[] = [];
let artifacts: LocalFsArtifactStore;

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    for (const schema of [pgSchema, ...otherSchemas]) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

const backends: Record<string, () => Promise<MetadataStore>> = {
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: datasetCollections }),
  PostgreSQL: () => openSqlMetadataStore({ url: pgUrl, schema: pgSchema, collections: datasetCollections }),
};

/** Another installation's metadata store (its own SQLite file, or PostgreSQL schema) over the same artifact store. */
const otherSchemas: string[] = [];
const otherStores: Record<string, (tag: string) => Promise<MetadataStore>> = {
  SQLite: (tag) => openSqlMetadataStore({ url: `sqlite:${join(dir, `${tag}.db`)}`, collections: datasetCollections }),
  PostgreSQL: (tag) => {
    otherSchemas.push(`${pgSchema}_${tag}`);
    return openSqlMetadataStore({ url: pgUrl, schema: `${pgSchema}_${tag}`, collections: datasetCollections });
  },
};

/** A backup of an installation's metadata store (closed on SQLite, as a file copy is taken), restored as `to`. */
const backups: Record<string, (from: string, to: string) => Promise<void>> = {
  SQLite: async (from, to) => {
    for (const ext of ['', '-wal']) if (existsSync(join(dir, `${from}.db${ext}`))) copyFileSync(join(dir, `${from}.db${ext}`), join(dir, `${to}.db${ext}`));
  },
  PostgreSQL: async (from, to) => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const src = `${pgSchema}_${from}`;
      const dst = `${pgSchema}_${to}`;
      otherSchemas.push(dst);
      await client.query(`create schema ${dst}`);
      const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [src]);
      for (const { table_name: t } of tables.rows) {
        await client.query(`create table ${dst}."${t}" (like ${src}."${t}" including all)`);
        await client.query(`insert into ${dst}."${t}" select * from ${src}."${t}"`);
      }
    } finally {
      await client.end();
    }
  },
};

const rows = (n: number, tag: number) => 'a,b\n' + Array.from({ length: n }, (_, i) => `${i},${tag}`).join('\n') + '\n';
let seeded: Promise<void> | undefined;
const seed = () =>
  (seeded ??= (async () => {
    artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
    await artifacts.ensureBucket('data-in');
    await artifacts.put({ bucket: 'data-in', key: 'small.csv' }, Buffer.from(rows(20, 1)));
    await artifacts.put({ bucket: 'data-in', key: 'next.csv' }, Buffer.from(rows(30, 2)));
    await artifacts.put({ bucket: 'data-in', key: 'bad.csv' }, Buffer.from('a,b\n1,2\n"unterminated\n'));
  })());

describe.each(Object.keys(backends))('DeleteDataset on %s', (backend) => {
  const b = backend.toLowerCase();
  let n = 0;
  /** A DatasetService as one server runs it: its own store connection(s), work directory and engine; the artifact store is shared. */
  const service = async (wrap: { store?: (s: MetadataStore) => MetadataStore; artifacts?: (a: ArtifactStore) => ArtifactStore } = {}) => {
    await seed();
    const raw = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(raw);
    const workDir = join(dir, `work-${b}-${n++}`);
    mkdirSync(workDir, { recursive: true });
    const engine = new DuckDbDataEngine({ allowedDirectories: [workDir], tempDirectory: join(workDir, 'spill'), memoryLimit: '256MB', threads: 1 });
    const store = wrap.store ? wrap.store(raw) : raw;
    const svc = new DatasetService({
      store, artifacts: wrap.artifacts ? wrap.artifacts(artifacts) : artifacts, engine, clock: systemClock, partition, workDir,
      authorize: async (p, action, resource) => authorize(p, policies[p.userName] ?? [], action, resource),
    });
    return { svc, store: raw };
  };
  const versionRows = async (store: MetadataStore, name: string) =>
    (await store.collection(datasetVersionsSpec).list({ filters: [{ field: 'datasetName', op: 'eq', value: name }], maxResults: 1000 })).items.map((r) => r.value.version);
  const snapshots = async (name: string) => (await artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` })).objects.map((o) => o.key);
  const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error: { code?: string; message?: string }) => ({ ok: false as const, error }));

  it('racing an import, deletes the acknowledged version with the dataset or refuses the import; nothing is left half-deleted', async () => {
    // On PostgreSQL the import and the delete run on two stores over one database, as on two servers;
    // SQLite is one connection per file (one Loam process), whose transactions the store queues.
    const one = await service();
    const two = backend === 'SQLite' ? one : await service();
    const outcomes: string[] = [];
    for (let round = 0; round < 8; round++) {
      const name = `race-${b}-${round}`;
      await one.svc.CreateDataset({ DatasetName: name }, ctx);
      for (let v = 0; v < 12; v++) await one.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
      // The import starts first; the delete a little later each round, so that it meets the import at
      // every stage from staging to its commit.
      const imported = settle(two.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv' }, ctx));
      await new Promise((r) => setTimeout(r, round * 8));
      const deleted = await settle(one.svc.DeleteDataset({ DatasetName: name }, ctx));
      const imp = await imported;
      expect(deleted.ok, `round ${round}: ${JSON.stringify(deleted)}`).toBe(true);
      // The import either was recorded before the delete (and is deleted with the rest) or is refused.
      if (!imp.ok) expect(imp.error.code, `round ${round}: ${imp.error.message}`).toBe('ResourceNotFound');
      outcomes.push(imp.ok ? `acknowledged v${imp.value.Version}` : 'refused');
      expect(await versionRows(one.store, name), `round ${round} (${outcomes.at(-1)}): version rows left`).toEqual([]);
      expect(await snapshots(name), `round ${round} (${outcomes.at(-1)}): snapshots left`).toEqual([]);
      await expect(one.svc.DescribeDataset({ DatasetName: name }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
      // The name is free again: a new dataset of that name records its version 1 and reads it back.
      await one.svc.CreateDataset({ DatasetName: name }, ctx);
      const again = await one.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv' }, ctx);
      expect(again.Version).toBe(1);
      expect((await one.svc.PreviewDataset({ DatasetName: name, Limit: 1000 }, ctx)).Rows).toHaveLength(30);
    }
    // Both outcomes are expected over the rounds; neither is required (timing decides).
    expect(outcomes).toHaveLength(8);
  }, 180_000);

  it('deletes the rows first, in one transaction: a failure leaves every version readable', async () => {
    const ok = await service();
    const name = `crash-${b}`;
    await ok.svc.CreateDataset({ DatasetName: name }, ctx);
    for (let v = 0; v < 3; v++) await ok.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
    // The second version row cannot be deleted (the database went away at that moment).
    const broken = await service({ store: (s) => failingSecondDelete(s, datasetVersionsSpec) });
    await expect(broken.svc.DeleteDataset({ DatasetName: name }, ctx)).rejects.toThrow('crashed while deleting');
    expect((await ok.svc.DescribeDataset({ DatasetName: name }, ctx)).LatestVersion).toBe(3);
    expect(await versionRows(ok.store, name)).toEqual([1, 2, 3]);
    for (const v of [1, 2, 3]) expect((await ok.svc.PreviewDataset({ DatasetName: name, Version: v }, ctx)).Rows, `version ${v}`).toHaveLength(20);
    await ok.svc.DeleteDataset({ DatasetName: name }, ctx);
    expect(await snapshots(name)).toEqual([]);
  });

  it('leaves the objects it could not delete after the commit to the sweep, which deletes only those', async () => {
    const ok = await service();
    const name = `sweep-${b}`;
    const keep = `keep-${b}`;
    await ok.svc.CreateDataset({ DatasetName: name }, ctx);
    await ok.svc.CreateDataset({ DatasetName: keep }, ctx);
    for (let v = 0; v < 2; v++) await ok.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
    await ok.svc.importUpload(name, 'up.csv', body(rows(5, 3)), {}, 1e6);
    await ok.svc.importUpload(keep, 'up.csv', body(rows(7, 4)), {}, 1e6);
    const before = await ok.svc.ListDatasetVersions({ DatasetName: name }, ctx);
    const stored = before.Versions.flatMap((v) => [v.DataUri, ...(v.SourceUri.startsWith('s3://loam-datasets/uploads/') ? [v.SourceUri] : [])]);
    expect(stored).toHaveLength(4);
    // Not an object this store wrote: a sweep leaves it alone whatever its age.
    await artifacts.put({ bucket: 'loam-datasets', key: `datasets/${name}/notes.txt` }, Buffer.from('mine'));
    // The server stops after the commit, before any object is deleted.
    const broken = await service({ artifacts: (a) => new Proxy(a, { get: (t, p, r) => (p === 'delete' ? () => Promise.reject(new Error('stopped')) : Reflect.get(t, p, r)) }) });
    await broken.svc.DeleteDataset({ DatasetName: name }, ctx);
    await expect(ok.svc.DescribeDataset({ DatasetName: name }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect(await versionRows(ok.store, name)).toEqual([]);
    for (const uri of stored) expect(await artifacts.head(ref(uri)), uri).toBeDefined();
    // The delete's transaction journalled them: the next sweep deletes them, however recent (no row names
    // them any more, so no import can still record them), and only them.
    const swept = await ok.svc.sweepOrphanedObjects({ olderThanMs: 3_600_000 });
    expect(swept.filter((u) => u.includes(`/${name}/`)).sort()).toEqual([...stored].sort());
    expect(swept.filter((u) => u.includes(`/${keep}/`))).toEqual([]);
    expect((await ok.svc.sweepOrphanedObjects({ olderThanMs: 0 })).filter((u) => u.includes(`/${name}/`))).toEqual([]);
    for (const uri of stored) expect(await artifacts.head(ref(uri)), uri).toBeUndefined();
    expect(await artifacts.head({ bucket: 'loam-datasets', key: `datasets/${name}/notes.txt` })).toBeDefined();
    // What the other dataset records stays, and reads.
    expect((await ok.svc.PreviewDataset({ DatasetName: keep }, ctx)).Rows).toHaveLength(7);
    const kept = (await ok.svc.DescribeDataset({ DatasetName: keep }, ctx)).Latest;
    expect(await artifacts.head(ref(kept?.SourceUri as string))).toBeDefined();
  });

  it('deletes the uploads and the tags of its versions, and the name starts afresh', async () => {
    const { svc, store } = await service();
    const name = `uploads-${b}`;
    await svc.CreateDataset({ DatasetName: name }, ctx);
    const v = await svc.importUpload(name, 'f.csv', body(rows(4, 1)), {}, 1e6);
    const arn = `arn:loam:sagemaker:us-east-1:000000000000:dataset/${name}`;
    await store.tags.put(arn, [{ Key: 'team', Value: 'risk' }]);
    await svc.DeleteDataset({ DatasetName: name }, ctx);
    expect(await artifacts.head(ref(v.sourceUri))).toBeUndefined();
    expect(await artifacts.head(ref(v.dataUri))).toBeUndefined();
    expect(await store.tags.list(arn)).toEqual([]);
    await svc.CreateDataset({ DatasetName: name }, ctx);
    expect((await svc.ListDatasetVersions({ DatasetName: name }, ctx)).Versions).toEqual([]);
  });

  it('a dataset created over the version rows an earlier Loam left without their dataset starts afresh', async () => {
    // What the old DeleteDataset left when an import committed during it: a version row of no dataset.
    const { svc, store } = await service();
    for (const [name, create] of [[`stray-${b}`, 'CreateDataset'], [`stray2-${b}`, 'ImportDatasetVersion']] as const) {
      await svc.CreateDataset({ DatasetName: name }, ctx);
      const v = await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
      const row = await store.collection(datasetVersionsSpec).get(`${name}#00000001`);
      await svc.DeleteDataset({ DatasetName: name }, ctx);
      await store.collection(datasetVersionsSpec).insert(row?.value as never);
      if (create === 'CreateDataset') await svc.CreateDataset({ DatasetName: name }, ctx);
      const again = await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv', CreateDataset: true }, ctx);
      expect([again.Version, again.RowCount, again.DataUri === v.DataUri]).toEqual([1, 30, false]);
      expect(await versionRows(store, name)).toEqual([1]);
    }
  });
});

describe.each(Object.keys(backends))('ImportDatasetVersion with CreateDataset on %s', (backend) => {
  const b = backend.toLowerCase();
  const service = async () => {
    await seed();
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const workDir = join(dir, `work-create-${b}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(workDir, { recursive: true });
    const engine = new DuckDbDataEngine({ allowedDirectories: [workDir], tempDirectory: join(workDir, 'spill'), memoryLimit: '256MB', threads: 1 });
    return new DatasetService({ store, artifacts, engine, clock: systemClock, partition, workDir, authorize: async (p, action, resource) => authorize(p, policies[p.userName] ?? [], action, resource) });
  };
  const snapshots = async (name: string) => (await artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` })).objects.map((o) => o.key);

  it('creates the dataset with its first version; a file that cannot be imported leaves nothing', async () => {
    const svc = await service();
    const name = `new-${b}`;
    await expect(svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    const bad = svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/bad.csv', Format: 'csv', CreateDataset: true }, ctx);
    await expect(bad).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/never closed/) });
    await expect(svc.DescribeDataset({ DatasetName: name }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect(await snapshots(name)).toEqual([]);
    await expect(svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv', Description: 'x' }, ctx)).rejects.toMatchObject({ code: 'ValidationException', fields: [{ path: '/Description' }] });
    const v = await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv', CreateDataset: true, Description: 'twenty rows' }, ctx);
    expect(v).toMatchObject({ Version: 1, RowCount: 20 });
    expect(await svc.DescribeDataset({ DatasetName: name }, ctx)).toMatchObject({ LatestVersion: 1, Description: 'twenty rows' });
    // An existing dataset gets its next version, CreateDataset or not.
    expect((await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv', CreateDataset: true }, ctx)).Version).toBe(2);
    // ARNs are lower-cased: another spelling of the name is taken, as CreateDataset answers.
    await expect(svc.ImportDatasetVersion({ DatasetName: name.toUpperCase(), SourceUri: 's3://data-in/small.csv', CreateDataset: true }, ctx)).rejects.toMatchObject({ code: 'ResourceInUse' });
  });

  it('creating is authorized as CreateDataset as well', async () => {
    const svc = await service();
    const name = `authz-${b}`;
    await expect(svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv', CreateDataset: true }, importer)).rejects.toMatchObject({ code: 'AccessDeniedException' });
    await expect(svc.DescribeDataset({ DatasetName: name }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    await svc.CreateDataset({ DatasetName: name }, ctx);
    expect((await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv', CreateDataset: true }, importer)).Version).toBe(1);
  });

  it('a failing import racing a good one into the same new name never takes the good one with it', async () => {
    // Two servers on PostgreSQL; one process on SQLite.
    const one = await service();
    const two = backend === 'SQLite' ? one : await service();
    for (let round = 0; round < 3; round++) {
      const name = `pair-${b}-${round}`;
      const [bad, good] = await Promise.allSettled([
        one.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/bad.csv', Format: 'csv', CreateDataset: true }, ctx),
        two.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv', CreateDataset: true }, ctx),
      ]);
      expect(bad.status).toBe('rejected');
      expect(good.status === 'fulfilled' ? good.value.Version : good.reason).toBe(1);
      expect((await one.DescribeDataset({ DatasetName: name }, ctx)).Latest).toMatchObject({ Version: 1, RowCount: 30 });
    }
  });
});

describe.each(Object.keys(backends))('The sweep of dataset objects on %s', (backend) => {
  const b = backend.toLowerCase();
  let n = 0;
  /** One installation: its own metadata store `tag`; the artifact store (and so the dataset bucket) is shared. */
  const install = async (tag: string, wrap: { store?: (s: MetadataStore) => MetadataStore; artifacts?: (a: ArtifactStore) => ArtifactStore; clock?: Clock } = {}, raw?: MetadataStore) => {
    await seed();
    const store = raw ?? (await (otherStores[backend] as (t: string) => Promise<MetadataStore>)(`${tag}_${b}`));
    opened.push(store);
    const workDir = join(dir, `sweep-work-${b}-${n++}`);
    mkdirSync(workDir, { recursive: true });
    const engine = new DuckDbDataEngine({ allowedDirectories: [workDir], tempDirectory: join(workDir, 'spill'), memoryLimit: '256MB', threads: 1 });
    const svc = new DatasetService({
      store: wrap.store ? wrap.store(store) : store, artifacts: wrap.artifacts ? wrap.artifacts(artifacts) : artifacts, engine, clock: wrap.clock ?? systemClock, partition, workDir,
      authorize: async (p, action, resource) => authorize(p, policies[p.userName] ?? [], action, resource),
    });
    return { svc, store };
  };
  /** Every object a dataset's versions name (snapshots, uploads). */
  const objectsOf = async (svc: DatasetService, name: string) =>
    (await svc.ListDatasetVersions({ DatasetName: name }, ctx)).Versions.flatMap((v) => [v.DataUri, ...(v.SourceUri.startsWith('s3://loam-datasets/uploads/') ? [v.SourceUri] : [])]);
  const present = async (uris: string[]) => (await Promise.all(uris.map(async (u) => ((await artifacts.head(ref(u))) ? u : undefined)))).filter(Boolean);
  const intents = async (store: MetadataStore, name: string) => (await store.collection(datasetObjectIntentsSpec).list({ maxResults: 1000 })).items.filter((i) => i.value.datasetName === name).map((i) => i.value.uri);

  it("two installations over one artifact store: neither's sweep deletes the other's snapshots or uploads", async () => {
    // A staging server on the same S3 store, or a new data directory with the same `artifacts:` config.
    const a = await install('inst_a');
    const other = await install('inst_b');
    const name = `shared-${b}`;
    for (const { svc } of [a, other]) {
      await svc.CreateDataset({ DatasetName: name }, ctx);
      await svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
      await svc.importUpload(name, 'up.csv', body(rows(5, 3)), {}, 1e6);
    }
    await a.svc.importUpload(`a-only-${b}`, 'up.csv', body(rows(6, 3)), {}, 1e6, { createIfAbsent: {} });
    const mine = [...(await objectsOf(a.svc, name)), ...(await objectsOf(a.svc, `a-only-${b}`))];
    const theirs = await objectsOf(other.svc, name);
    expect([mine.length, theirs.length]).toEqual([5, 3]);
    // Whatever their age: the second installation's sweep deletes nothing the first wrote, nor the other way round.
    expect(await other.svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([]);
    expect(await a.svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([]);
    expect(await present([...mine, ...theirs])).toEqual([...mine, ...theirs]);
    expect((await a.svc.PreviewDataset({ DatasetName: name, Version: 1 }, ctx)).Rows).toHaveLength(20);
    expect((await a.svc.PreviewDataset({ DatasetName: `a-only-${b}` }, ctx)).Rows).toHaveLength(6);
    expect((await other.svc.PreviewDataset({ DatasetName: name }, ctx)).Rows).toHaveLength(5);
  });

  it('a metadata store restored from an older backup deletes nothing written after the backup', async () => {
    const tag = `live_${b}`;
    const live = await install('live');
    const name = `restored-${b}`;
    await live.svc.CreateDataset({ DatasetName: name }, ctx);
    await live.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx);
    if (backend === 'SQLite') await live.store.close(); // a file copy is taken of a closed database
    await (backups[backend] as (f: string, t: string) => Promise<void>)(tag, `restore_${b}`);
    const after = backend === 'SQLite' ? await install('live') : live;
    await after.svc.importUpload(name, 'up.csv', body(rows(5, 3)), {}, 1e6);
    await after.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/next.csv' }, ctx);
    const all = await objectsOf(after.svc, name);
    expect(all).toHaveLength(4);
    // The live database is lost; the backup is restored. Versions 2 and 3 are unknown to it, not garbage.
    const restored = await install('restore');
    expect(await restored.svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([]);
    expect(await present(all)).toEqual(all);
    expect((await restored.svc.DescribeDataset({ DatasetName: name }, ctx)).LatestVersion).toBe(1);
    expect((await restored.svc.PreviewDataset({ DatasetName: name }, ctx)).Rows).toHaveLength(20);
  });

  it('a server stopped between an import\'s writes and its commit: the sweep deletes what it wrote, once the grace period is over', async () => {
    const ok = await install('crash');
    const name = `crash-${b}`;
    await ok.svc.CreateDataset({ DatasetName: name }, ctx);
    const recorded = await ok.svc.importUpload(name, 'first.csv', body(rows(3, 1)), {}, 1e6);
    // The same store and artifacts, but the process dies at the commit: nothing after it runs (no delete).
    const stopped = () => Promise.reject(new Error('stopped'));
    const dying = await install('crash', {
      store: (s) => new Proxy(s, { get: (t, p, r) => (p === 'transaction' ? stopped : bound(t, p, r)) }),
      artifacts: (a) => new Proxy(a, { get: (t, p, r) => (p === 'delete' ? stopped : bound(t, p, r)) }),
    }, ok.store);
    await expect(dying.svc.importUpload(name, 'second.csv', body(rows(4, 2)), {}, 1e6)).rejects.toThrow('stopped');
    const left = [
      ...(await artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` })).objects.map((o) => `s3://loam-datasets/${o.key}`),
      ...(await artifacts.list({ bucket: 'loam-datasets', prefix: `uploads/${name}/` })).objects.map((o) => `s3://loam-datasets/${o.key}`),
    ].filter((u) => u !== recorded.dataUri && u !== recorded.sourceUri);
    expect(left).toHaveLength(2); // the upload and its snapshot, recorded by no version
    expect((await intents(ok.store, name)).sort()).toEqual([...left].sort());
    // Within the grace period: kept (the import may be running on another server sharing this store).
    expect(await ok.svc.sweepOrphanedObjects({ olderThanMs: 3_600_000 })).toEqual([]);
    expect((await ok.svc.sweepOrphanedObjects({ olderThanMs: 0 })).sort()).toEqual([...left].sort());
    expect(await present(left)).toEqual([]);
    expect(await intents(ok.store, name)).toEqual([]);
    expect(await present([recorded.dataUri, recorded.sourceUri])).toHaveLength(2);
    expect((await ok.svc.PreviewDataset({ DatasetName: name }, ctx)).Rows).toHaveLength(3);
  });

  it('an import still running when the sweep takes its write for a crashed one records nothing', async () => {
    const ok = await install('slow');
    const name = `slow-${b}`;
    await ok.svc.CreateDataset({ DatasetName: name }, ctx);
    // An import begun two days ago (its clock says so) reaches its commit just after a sweep ran.
    const twoDaysAgo: Clock = { now: () => Date.now() - 2 * 24 * 3600 * 1000 } as Clock;
    const slow = await install('slow', {
      clock: twoDaysAgo,
      store: (s) => new Proxy(s, { get: (t, p, r) => (p === 'transaction' ? async <R>(fn: (tx: MetadataStore) => Promise<R>) => { await ok.svc.sweepOrphanedObjects({ olderThanMs: 24 * 3600 * 1000 }); return t.transaction(fn); } : bound(t, p, r)) }),
    }, ok.store);
    await expect(slow.svc.ImportDatasetVersion({ DatasetName: name, SourceUri: 's3://data-in/small.csv' }, ctx)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    expect((await ok.svc.DescribeDataset({ DatasetName: name }, ctx)).LatestVersion).toBe(0);
    expect(await versionRowsOf(ok.store, name)).toEqual([]);
    expect((await artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` })).objects).toEqual([]);
    expect(await intents(ok.store, name)).toEqual([]);
  });
});

const versionRowsOf = async (store: MetadataStore, name: string) =>
  (await store.collection(datasetVersionsSpec).list({ filters: [{ field: 'datasetName', op: 'eq', value: name }], maxResults: 1000 })).items.map((r) => r.value.version);

function bound(t: object, p: string | symbol, r: unknown): unknown {
  const v = Reflect.get(t, p, r) as unknown;
  return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
}

async function* body(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

const ref = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) as RegExpExecArray;
  return { bucket: m[1] as string, key: m[2] as string };
};

/** The store with the second delete in one collection failing, inside a transaction or not: a crash part way through. */
function failingSecondDelete<T>(store: MetadataStore, spec: CollectionSpec<T>, state = { deletes: 0 }): MetadataStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'transaction') return <R>(fn: (tx: MetadataStore) => Promise<R>) => target.transaction((tx) => fn(failingSecondDelete(tx, spec, state)));
      if (prop === 'collection') {
        return (s: CollectionSpec<unknown>) => {
          const c = target.collection(s);
          if (s.name !== spec.name) return c;
          return new Proxy(c, {
            get: (ct, cp) => {
              if (cp === 'delete') return (...a: Parameters<typeof c.delete>) => (++state.deletes === 2 ? Promise.reject(new Error('crashed while deleting')) : ct.delete(...a));
              const v = Reflect.get(ct, cp, ct);
              return typeof v === 'function' ? v.bind(ct) : v;
            },
          });
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine, LocalFsArtifactStore, openSqlMetadataStore } from '@loam/adapters';
import {
  authorize, DatasetService, datasetCollections, datasetVersionsSpec, parsePolicyDocument, systemClock,
  type ArtifactStore, type CollectionSpec, type MetadataStore, type PolicyDocument, type RequestContext,
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
  await client.query(`drop schema if exists ${pgSchema} cascade`).finally(() => client.end());
});

const backends: Record<string, () => Promise<MetadataStore>> = {
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: datasetCollections }),
  PostgreSQL: () => openSqlMetadataStore({ url: pgUrl, schema: pgSchema, collections: datasetCollections }),
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

  it('leaves the objects it could not delete after the commit to the sweep, which deletes only what no version records', async () => {
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
    // Not a key Loam writes: a sweep leaves it alone whatever its age.
    await artifacts.put({ bucket: 'loam-datasets', key: `datasets/${name}/notes.txt` }, Buffer.from('mine'));
    // The server stops after the commit, before any object is deleted.
    const broken = await service({ artifacts: (a) => new Proxy(a, { get: (t, p, r) => (p === 'delete' ? () => Promise.reject(new Error('stopped')) : Reflect.get(t, p, r)) }) });
    await broken.svc.DeleteDataset({ DatasetName: name }, ctx);
    await expect(ok.svc.DescribeDataset({ DatasetName: name }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect(await versionRows(ok.store, name)).toEqual([]);
    for (const uri of stored) expect(await artifacts.head(ref(uri)), uri).toBeDefined();
    // Written within the grace period: kept (an import on another server may still record them).
    expect(await ok.svc.sweepOrphanedObjects({ olderThanMs: 3_600_000 })).toEqual([]);
    const swept = await ok.svc.sweepOrphanedObjects({ olderThanMs: 0 });
    expect(swept.filter((u) => u.includes(`/${name}/`)).sort()).toEqual([...stored].sort());
    expect(swept.filter((u) => u.includes(`/${keep}/`))).toEqual([]);
    for (const uri of stored) expect(await artifacts.head(ref(uri)), uri).toBeUndefined();
    expect(await artifacts.head({ bucket: 'loam-datasets', key: `datasets/${name}/notes.txt` })).toBeDefined();
    // What the other dataset records stays, and reads.
    expect((await ok.svc.PreviewDataset({ DatasetName: keep }, ctx)).Rows).toHaveLength(7);
    const kept = (await ok.svc.DescribeDataset({ DatasetName: keep }, ctx)).Latest;
    expect(await artifacts.head(ref(kept?.SourceUri as string))).toBeDefined();
    // A bucket nothing was ever imported into is nothing to sweep.
    const fresh = new DatasetService({ store: ok.store, artifacts, engine: new DuckDbDataEngine({ threads: 1 }), clock: systemClock, partition, workDir: join(dir, `fresh-${b}`), bucket: `never-made-${b}`, authorize: async () => undefined });
    expect(await fresh.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([]);
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

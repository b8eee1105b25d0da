import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import {
  LineageRecorder, lineageRetirementsCollection, lineageSyncMarksCollection, LineageSync, modelsCollection, silentLogger, systemClock, type ModelRecord, type Partition,
} from '@loam/core';
import { lineageStoreCollections, useDatabaseDirPerAttempt } from './lineage-stores.test-support.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { testPostgresUrl } from './postgres-test-schema.js';

/*
 * The one-time lineage upgrade (LineageSync, 4dd0123) retires the edges of deleted resources and the old
 * edges of re-created ones. It ran as one transaction over the whole edge table: on a large store that is
 * SQLite's one writer held (every request's write waiting) or one PostgreSQL transaction of hundreds of
 * thousands of statements, and a failure at its end threw all of it away. It now moves the edges in
 * transactions of at most 500 (`upgradeChunk`); a run that fails midway keeps what it moved and the next run finishes it,
 * moving each edge once.
 */
const inDir = useDatabaseDirPerAttempt('loam-lineage-upgrade-');
const partition: Partition = { region: 'us-east-1', accountId: '000000000000' };
const collections = lineageStoreCollections;
const base = 'arn:loam:sagemaker:us-east-1:000000000000:';
/** Models deleted, and the edges the upgrade moves per transaction (500 by default; fewer here, so a hundred edges make several). */
const DELETED = 120;
const upgradeChunk = 50;

/** The database refuses to move model m-110's edges, as a full disk would (SQLite's own error text). */
function refuseMoves(file: string, refuse: boolean): void {
  const db = new Database(file);
  try {
    db.exec(refuse
      ? `create trigger refuse_moves before insert on lineage_edges when new.destination_arn like '%:model/m-110#retired-%' begin select raise(abort, 'database or disk is full'); end`
      : 'drop trigger refuse_moves');
  } finally {
    db.close();
  }
}

it('moves the edges in bounded transactions: a run failing midway keeps what it moved, the next one finishes without doubling an edge', async () => {
  const file = inDir('upgrade.db');
  const store = await openSqlMetadataStore({ url: `sqlite:${file}`, collections });
  try {
    const t0 = Date.now() - 86_400_000;
    // Model 'again': deleted and created again an hour after its first life's edge; its new life's edge was never recorded.
    const again = `${base}model/again`;
    const created = t0 / 1000 + 3600;
    await store.collection(modelsCollection).insert({
      key: 'again', name: 'again', arn: again, creationTime: created, request: {}, networkIsolation: false,
      containers: [{ image: 'img', modelDataUrl: 's3://data/again/model.tar.gz' }],
    } as unknown as ModelRecord);
    // The models were followed well past its creation: only the upgrade's reset makes a pass read it again.
    await store.collection(lineageSyncMarksCollection).insert({ source: 'models', watermark: created + 86_400 });
    const dataOf = (i: number) => `${base}artifact/data-${i}`;
    await store.transaction(async (tx) => {
      await tx.lineage.add({ sourceArn: `${base}artifact/old-again`, destinationArn: again, associationType: 'ContributedTo', createdAt: t0 - 1, legacy: true });
      for (let i = 0; i < DELETED; i++) await tx.lineage.add({ sourceArn: dataOf(i), destinationArn: `${base}model/m-${i}`, associationType: 'ContributedTo', createdAt: t0 + i, legacy: true });
    });
    const sync = new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger, upgradeChunk });

    refuseMoves(file, true);
    await expect(sync.syncOnce()).rejects.toThrow(/disk is full/);
    // The transactions before the failing one committed: the first models' edges are retired (chunks of 50: 'again' and m-0…m-48, m-49…m-98), m-110's not.
    expect(await store.lineage.edges(`${base}model/m-0`, 'upstream')).toEqual([]);
    expect(await store.lineage.edges(`${base}model/m-98`, 'upstream')).toEqual([]);
    expect((await store.lineage.edges(`${base}model/m-110`, 'upstream')).map((e) => e.sourceArn)).toEqual([dataOf(110)]);
    expect(await store.collection(lineageSyncMarksCollection).get('upgrade:retired-lives')).toBeUndefined();

    refuseMoves(file, false);
    await sync.syncOnce();
    for (const i of [0, 98, 110, DELETED - 1]) {
      expect(await store.lineage.edges(`${base}model/m-${i}`, 'upstream')).toEqual([]);
      const out = await store.lineage.edges(dataOf(i), 'downstream');
      expect(out.map((e) => e.destinationArn)).toEqual([expect.stringMatching(new RegExp(`^${base}model/m-${i}#retired-\\d+-upgrade$`))]);
    }
    // Each edge moved once (none doubled by the second run), one retirement per model.
    const all = await store.lineage.list();
    expect(all.filter((e) => e.destinationArn.includes('#retired-'))).toHaveLength(DELETED + 1);
    expect((await store.collection(lineageRetirementsCollection).list({ maxResults: 1000 })).items).toHaveLength(DELETED + 1);
    // The re-created model: its old edge retired, its own recorded by the pass after the reset.
    expect((await store.lineage.edges(again, 'upstream')).map((e) => e.sourceArn)).toEqual([expect.stringMatching(/artifact\//)]);
    expect((await store.lineage.edges(again, 'upstream'))[0]!.sourceArn).not.toBe(`${base}artifact/old-again`);
    expect(await store.collection(lineageSyncMarksCollection).get('upgrade:retired-lives')).toBeDefined();
    expect(await store.collection(lineageSyncMarksCollection).get('upgrade:retired-lives:started')).toBeUndefined();
  } finally {
    await store.close();
  }
}, 120_000);

it('splits a re-created resource by time only among the edges an older Loam recorded: one recorded since stays, whatever its time says', async () => {
  const store = await openSqlMetadataStore({ url: `sqlite:${inDir('lives.db')}`, collections });
  try {
    const created = Math.floor(Date.now() / 1000) - 3600;
    const m = `${base}model/fresh`;
    await store.collection(modelsCollection).insert({
      key: 'fresh', name: 'fresh', arn: m, creationTime: created, request: {}, networkIsolation: false, containers: [],
    } as unknown as ModelRecord);
    // The deleted predecessor's edge, recorded by an older Loam a day before; the new model's own, recorded by
    // this Loam on a server whose clock ran 5 s behind the one that created the model (was retired with the old one).
    await store.lineage.add({ sourceArn: `${base}artifact/old`, destinationArn: m, associationType: 'ContributedTo', createdAt: created * 1000 - 86_400_000, legacy: true });
    await store.lineage.add({ sourceArn: `${base}artifact/new`, destinationArn: m, associationType: 'AssociatedWith', createdAt: created * 1000 - 5000 });
    await new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger }).syncOnce();
    expect((await store.lineage.edges(m, 'upstream')).map((e) => e.sourceArn)).toEqual([`${base}artifact/new`]);
    expect((await store.lineage.edges(`${base}artifact/old`, 'downstream')).map((e) => e.destinationArn)).toEqual([expect.stringMatching(/:model\/fresh#retired-\d+-upgrade$/)]);
  } finally {
    await store.close();
  }
});

it('two servers upgrading one PostgreSQL database at once move each edge once', async () => {
  // A schema of this attempt's own: a retry never meets the edges a failed attempt moved.
  const schema = `loam_test_${randomBytes(6).toString('hex')}`;
  const a = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections });
  const b = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections });
  // Three transactions' worth of edges for each server (20 per transaction).
  const MODELS = 60;
  try {
    const t0 = Date.now() - 86_400_000;
    await a.transaction(async (tx) => {
      for (let i = 0; i < MODELS; i++) await tx.lineage.add({ sourceArn: `${base}artifact/data-${i}`, destinationArn: `${base}model/m-${i}`, associationType: 'ContributedTo', createdAt: t0 + i, legacy: true });
    });
    const syncOf = (store: typeof a) => new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger, upgradeChunk: 20 });
    await Promise.all([syncOf(a).syncOnce(), syncOf(b).syncOnce()]);
    const all = await a.lineage.list();
    expect(all).toHaveLength(MODELS);
    expect(all.filter((e) => /#retired-\d+-upgrade$/.test(e.destinationArn))).toHaveLength(MODELS);
    expect(new Set(all.map((e) => e.sourceArn)).size).toBe(MODELS);
    let retired = 0;
    let nextToken: string | undefined;
    do {
      const page = await a.collection(lineageRetirementsCollection).list({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      retired += page.items.length;
      nextToken = page.nextToken;
    } while (nextToken);
    expect(retired).toBe(MODELS);
  } finally {
    await b.close();
    await a.close();
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
  }
}, 120_000);

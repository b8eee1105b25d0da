import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { artifactArn } from '@loam/core';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, openLoamAt, storeGbdtModel } from '../endpoints/endpoints.test-support.js';

/*
 * QueryLineage and ListAssociations leave out the vertices of deleted resources: each vertex's resource
 * was looked up on its own, one query per vertex (30 models built on one model file: 30 queries on the
 * models table for one page). They now look up every vertex of a kind in one query. Counted on the wire:
 * the statements the server sends PostgreSQL while it answers, through a proxy in front of it.
 */
// A schema per attempt (each test's forced retry starts a server of its own).
const schemas = Array.from({ length: 8 }, () => useFreshPostgresSchema());
const models = 30;
const uri = 's3://models/shared/model.tar.gz';
const timed = 's3://models/timed/model.tar.gz';
const image = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

describe('lineage vertex lookups (PostgreSQL)', () => {
  let loam: TestLoam | undefined;
  let proxy: Server | undefined;
  let dir = '';
  let attempt = -1;
  let sent = '';
  serverPerAttempt(async () => {
    attempt++;
    dir = mkdtempSync(join(tmpdir(), 'loam-lineage-lookups-'));
    const target = new URL(testPostgresUrl);
    proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      client.on('data', (chunk: Buffer) => void (sent += chunk.toString('latin1')));
      client.pipe(upstream).pipe(client);
      for (const x of [client, upstream]) x.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    const via = new URL(testPostgresUrl);
    via.hostname = '127.0.0.1';
    via.port = String((proxy.address() as AddressInfo).port);
    loam = await openLoamAt(dir, undefined, { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: via.toString(), LOAM_METADATA__SCHEMA: schemas[attempt]! });
    await loam.platform.registry.lineageSync.stop();
    for (const u of [uri, timed]) await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: u.slice('s3://models/'.length) });
  }, async () => {
    await loam?.close();
    loam = undefined;
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** The statements on the models table sent while `fn` runs. */
  async function modelReads<T>(fn: () => Promise<T>): Promise<[T, number]> {
    sent = '';
    const r = await fn();
    return [r, sent.match(/from "models"/g)?.length ?? 0];
  }

  /** The statements naming `table` sent while `fn` runs (each statement's text ends with a NUL in its Parse message). */
  async function statementsOn<T>(table: string, fn: () => Promise<T>): Promise<[T, number]> {
    sent = '';
    const r = await fn();
    return [r, sent.split('\0').filter((part) => part.includes(`"${table}"`)).length];
  }

  const createModel = async (name: string, data: string) => {
    const r = await call(loam!, 'POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: image, ModelDataUrl: data } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  it('reads each kind of vertex in one query, not one per vertex', async () => {
    for (let i = 0; i < models; i++) await createModel(`m${i}`, uri);
    // A first pass records the 30 models' edges; the reads counted next are the answers' own (and a pass with nothing new).
    await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [uri], Direction: 'Descendants', MaxResults: 1 });
    await loam!.platform.registry.lineageSync.syncOnce();
    const [query, queryReads] = await modelReads(() => call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [uri], Direction: 'Descendants', MaxResults: 50 }));
    expect([query.status, query.body.Vertices.length]).toEqual([200, models]);
    const [listed, listReads] = await modelReads(() => call(loam!, 'GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(uri)}&MaxResults=50`));
    expect([listed.status, listed.body.AssociationSummaries.length]).toEqual([200, models]);
    // One lookup of all 30 (was 30), beside the read of changed models of the lineage pass each answer waits for
    // (at most 10 s: on a loaded machine a pass may still run when the answer goes, its read then counted or not).
    expect([queryReads <= 2, listReads <= 2, queryReads >= 1, listReads >= 1], JSON.stringify([queryReads, listReads])).toEqual([true, true, true, true]);
  });

  it('reads the times a time filter needs in one query per kind, not one per vertex', async () => {
    for (let i = 0; i < models; i++) await createModel(`t${i}`, timed);
    const ask = { StartArns: [timed], Direction: 'Descendants', MaxResults: 50, Filters: { CreatedAfter: 1 } };
    await call(loam!, 'POST', '/api/v1/lineage/query', { ...ask, MaxResults: 1 });
    await loam!.platform.registry.lineageSync.syncOnce();
    const [plain, plainReads] = await modelReads(() => call(loam!, 'POST', '/api/v1/lineage/query', { ...ask, Filters: undefined }));
    const [query, reads] = await modelReads(() => call(loam!, 'POST', '/api/v1/lineage/query', ask));
    expect([plain.status, plain.body.Vertices.length, query.status, query.body.Vertices.length]).toEqual([200, models, 200, models]);
    // Beside what the same query without a filter reads (the pass's reads of changed models, one lookup of
    // all 30 for their existence), one lookup of all 30 for their times (was 30); ±1 for a pass still running
    // when one of the two answers went (see above).
    expect(Math.abs(reads - plainReads - 1), JSON.stringify([plainReads, reads])).toBeLessThanOrEqual(1);
  });

  it('a delete moves its resource\'s edges to the retired vertex in two statements, not two per edge', async () => {
    const edges = 20;
    await createModel('retiring', uri);
    const arn = `arn:loam:sagemaker:${loam!.platform.partition.region}:${loam!.platform.partition.accountId}:model/retiring`;
    for (let i = 0; i < edges; i++) {
      const r = await call(loam!, 'POST', '/api/v1/lineage/associations', { SourceArn: `s3://models/notes/${i}`, DestinationArn: arn });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const [deleted, statements] = await statementsOn('lineage_edges', () => call(loam!, 'DELETE', '/api/v1/models/retiring'));
    expect(deleted.status).toBe(200);
    // Copy the edges to the retired vertex, delete the originals (was: read both directions, then a delete and an insert per edge: 42).
    expect(statements).toBe(2);
    expect(await loam!.platform.store.lineage.edges(arn, 'upstream')).toEqual([]);
    expect((await loam!.platform.store.lineage.edges(artifactArn(loam!.platform.partition, 's3://models/notes/7'), 'downstream')).map((e) => e.destinationArn))
      .toEqual([expect.stringMatching(new RegExp(`^${arn}#retired-\\d+-[0-9a-f]{8}$`))]);
  });
});

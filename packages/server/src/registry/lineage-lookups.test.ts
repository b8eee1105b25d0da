import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, openLoamAt, storeGbdtModel } from '../endpoints/endpoints.test-support.js';

/*
 * QueryLineage and ListAssociations leave out the vertices of deleted resources: each vertex's resource
 * was looked up on its own, one query per vertex (30 models built on one model file: 30 queries on the
 * models table for one page). They now look up every vertex of a kind in one query. Counted on the wire:
 * the statements the server sends PostgreSQL while it answers, through a proxy in front of it.
 */
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
const models = 30;
const uri = 's3://models/shared/model.tar.gz';

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
    await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'shared/model.tar.gz' });
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

  it('reads each kind of vertex in one query, not one per vertex', async () => {
    for (let i = 0; i < models; i++) {
      const r = await call(loam!, 'POST', '/api/v1/models', { ModelName: `m${i}`, PrimaryContainer: { Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: uri } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // A first pass records the 30 models' edges; the reads counted next are the answers' own (and a pass with nothing new).
    await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [uri], Direction: 'Descendants', MaxResults: 1 });
    const [query, queryReads] = await modelReads(() => call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [uri], Direction: 'Descendants', MaxResults: 50 }));
    expect([query.status, query.body.Vertices.length]).toEqual([200, models]);
    const [listed, listReads] = await modelReads(() => call(loam!, 'GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(uri)}&MaxResults=50`));
    expect([listed.status, listed.body.AssociationSummaries.length]).toEqual([200, models]);
    // The pass's read of changed models, and one lookup of all 30 (was 1 + 30).
    expect([queryReads, listReads]).toEqual([2, 2]);
  });
});

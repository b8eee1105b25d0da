import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { artifactArn, lineageSyncMarksCollection, modelsCollection } from '@loam/core';
import { testPostgresUrl } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, openLoamAt, storeGbdtModel } from '../endpoints/endpoints.test-support.js';
import { sql } from '../jobs/postgres-faults.test-support.js';

/*
 * A lineage vertex is its resource's ARN, and ARNs are derived from names (in SageMaker too). A model (an
 * endpoint configuration, a package, …) deleted and created again under its name took up the deleted one's
 * edges: its lineage showed the old model data and the old endpoint configurations. SageMaker's lineage
 * entities are objects of their own (an endpoint's context has a generated name), so a new resource starts
 * with no associations. A delete now retires the vertex: the edges move to a retired vertex, hidden from
 * answers and walked through. Databases of an older Loam are upgraded once, at the first lineage pass.
 */
const a = 's3://models/a/model.tar.gz';
const b = 's3://models/b/model.tar.gz';
const c = 's3://models/c/model.tar.gz';

function livesTests(backend: 'SQLite' | 'PostgreSQL'): void {
  describe(`lineage of a resource created again under a deleted one's name (${backend})`, () => {
    let loam: TestLoam | undefined;
    let dir = '';
    // A data directory (and PostgreSQL schema) per attempt: a retry must not meet the names the failed one made.
    const schemas: string[] = [];
    afterAll(async () => {
      for (const schema of schemas) await sql(`drop schema if exists ${schema} cascade`);
    });
    const env = (): Record<string, string> => (backend === 'PostgreSQL'
      ? { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schemas[schemas.length - 1]! } : {});
    serverPerAttempt(async () => {
      if (backend === 'PostgreSQL') schemas.push(`loam_test_${randomBytes(6).toString('hex')}`);
      dir = mkdtempSync(join(tmpdir(), 'loam-lineage-lives-'));
      loam = await openLoamAt(dir, undefined, env());
      // Passes run when a query asks: no background pass records a record at a moment the test does not choose.
      await loam.platform.registry.lineageSync.stop();
      for (const uri of [a, b, c]) await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: uri.slice('s3://models/'.length) });
    }, async () => {
      await loam?.close();
      loam = undefined;
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const api = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => {
      const r = await call(loam!, method, url, body);
      expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body;
    };
    const arn = (kind: string, name: string) => `arn:loam:sagemaker:${loam!.platform.partition.region}:${loam!.platform.partition.accountId}:${kind}/${name}`;
    const art = (uri: string) => artifactArn(loam!.platform.partition, uri);
    const model = (name: string, uri: string) => api('POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: uri } });
    const config = (name: string, modelName: string) => api('POST', '/api/v1/endpoint-configs', { EndpointConfigName: name, ProductionVariants: [{ VariantName: 'v', ModelName: modelName, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    const query = async (start: string, direction: string) =>
      ((await api('POST', '/api/v1/lineage/query', { StartArns: [start], Direction: direction, MaxResults: 50 })).Vertices as { Arn: string }[]).map((v) => v.Arn).sort();
    const associations = async (end: 'SourceArn' | 'DestinationArn', value: string) =>
      ((await api('GET', `/api/v1/lineage/associations?${end}=${encodeURIComponent(value)}`)).AssociationSummaries as { SourceArn: string; DestinationArn: string; CreationTime: number }[]);

    it('a model created again starts with no edges of the deleted one; what was built on the old one is still reached from its data', async () => {
      await model('m', a);
      await config('c-old', 'm');
      expect(await query(arn('model', 'm'), 'Both')).toEqual([art(a), arn('endpoint-config', 'c-old')].sort());
      await api('DELETE', '/api/v1/models/m');
      await model('m', b);
      // The new model: its own data, nothing of the deleted one's (model data a, endpoint configuration c-old).
      expect(await query(arn('model', 'm'), 'Both')).toEqual([art(b)]);
      expect((await associations('DestinationArn', arn('model', 'm'))).map((x) => x.SourceArn)).toEqual([art(b)]);
      expect(await associations('SourceArn', arn('model', 'm'))).toEqual([]);
      // The old model's data still leads to the configuration built on it (through the deleted model), not to the new model.
      expect(await query(a, 'Descendants')).toEqual([arn('endpoint-config', 'c-old')]);
      expect(await query(arn('endpoint-config', 'c-old'), 'Ascendants')).toEqual([art(a)]);
    });

    it('a configuration first recorded after its model was deleted and created again joins the deleted model, not the new one', async () => {
      await model('m2', a);
      await config('c2', 'm2');
      // No lineage pass between these: the configuration's edge is recorded after the model's second create.
      await api('DELETE', '/api/v1/models/m2');
      await model('m2', b);
      expect(await query(arn('model', 'm2'), 'Descendants')).toEqual([]);
      expect(await query(arn('model', 'm2'), 'Ascendants')).toEqual([art(b)]);
      expect(await associations('DestinationArn', arn('endpoint-config', 'c2'))).toEqual([]);
    });

    it('an association made with AddAssociation to a model since deleted is removed by DeleteAssociation with the ARNs it was made with', async () => {
      const p = loam!.platform;
      const link = { SourceArn: 's3://models/notes/', DestinationArn: arn('model', 'm5') };
      await model('m5', a);
      await api('POST', '/api/v1/lineage/associations', link);
      await api('DELETE', '/api/v1/models/m5');
      await api('POST', '/api/v1/lineage/associations/delete', link);
      expect(await p.store.lineage.edges(art('s3://models/notes/'), 'downstream')).toEqual([]);
      // Once only: the association is gone.
      expect((await call(loam!, 'POST', '/api/v1/lineage/associations/delete', link)).status).toBe(404);
      // A model created again under the name does not have the deleted one's associations to delete.
      await model('m6', a);
      await api('POST', '/api/v1/lineage/associations', { ...link, DestinationArn: arn('model', 'm6') });
      await api('DELETE', '/api/v1/models/m6');
      await model('m6', b);
      expect((await call(loam!, 'POST', '/api/v1/lineage/associations/delete', { ...link, DestinationArn: arn('model', 'm6') })).status).toBe(404);
    });

    it('a query from a deleted model\'s ARN answers the lineage it had, named by that ARN; one created again answers only its own', async () => {
      await model('m7', a);
      await config('c7', 'm7');
      await query(arn('model', 'm7'), 'Both');
      await api('DELETE', '/api/v1/models/m7');
      // SageMaker's lineage entities outlive the resource: the deleted model's data and configuration are still its lineage.
      expect(await query(arn('model', 'm7'), 'Both')).toEqual([art(a), arn('endpoint-config', 'c7')].sort());
      const edges = (await api('POST', '/api/v1/lineage/query', { StartArns: [arn('model', 'm7')], Direction: 'Both', IncludeEdges: true })).Edges as unknown[];
      expect(edges).toHaveLength(2);
      expect(edges).toEqual(expect.arrayContaining([
        { SourceArn: art(a), DestinationArn: arn('model', 'm7'), AssociationType: 'ContributedTo' },
        { SourceArn: arn('model', 'm7'), DestinationArn: arn('endpoint-config', 'c7'), AssociationType: 'ContributedTo' },
      ]));
      // Created again: its own lineage alone, none of the deleted one's.
      await model('m7', b);
      expect(await query(arn('model', 'm7'), 'Both')).toEqual([art(b)]);
      expect(await query(arn('model', 'm7'), 'Descendants')).toEqual([]);
      // Deleted again: what each of its lives had.
      await api('DELETE', '/api/v1/models/m7');
      expect(await query(arn('model', 'm7'), 'Both')).toEqual([art(a), art(b), arn('endpoint-config', 'c7')].sort());
      // ListAssociations by the deleted model's ARN lists the same, named by that ARN.
      expect((await associations('DestinationArn', arn('model', 'm7'))).map((x) => [x.SourceArn, x.DestinationArn]).sort())
        .toEqual([[art(a), arn('model', 'm7')], [art(b), arn('model', 'm7')]].sort());
      expect((await associations('SourceArn', arn('model', 'm7'))).map((x) => [x.SourceArn, x.DestinationArn])).toEqual([[arn('model', 'm7'), arn('endpoint-config', 'c7')]]);
      expect((await api('GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(a)}&DestinationArn=${encodeURIComponent(arn('model', 'm7'))}`)).AssociationSummaries).toHaveLength(1);
      // Created once more: its own, none of the deleted lives'.
      await model('m7', c);
      expect((await associations('DestinationArn', arn('model', 'm7'))).map((x) => x.SourceArn)).toEqual([art(c)]);
      expect(await associations('SourceArn', arn('model', 'm7'))).toEqual([]);
      // (Deleted again, so the later tests' walks from c meet no live model of this one.)
      await api('DELETE', '/api/v1/models/m7');
    });

    it('a query from a start Loam has nothing of answers ResourceNotFound naming StartArns; a deleted model with lineage is not such a start', async () => {
      const missing = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [arn('model', 'never-made')] });
      expect([missing.status, missing.body.code, missing.body.detail]).toEqual([404, 'ResourceNotFound', expect.stringContaining('StartArns/0')]);
      expect((await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: ['s3://models/nowhere/model.tar.gz'] })).status).toBe(404);
      // A model that exists answers, lineage or none; deleted, it answers while it had lineage.
      await model('m8', a);
      expect(await query(arn('model', 'm8'), 'Both')).toEqual([art(a)]);
      await api('DELETE', '/api/v1/models/m8');
      expect(await query(arn('model', 'm8'), 'Both')).toEqual([art(a)]);
      // SageMaker's StartArns holds at most one ARN: two are refused, naming the field.
      const two = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [arn('model', 'm8'), a] });
      expect([two.status, two.body.code, JSON.stringify(two.body)]).toEqual([400, 'ValidationException', expect.stringContaining('StartArns')]);
    });

    it('an older Loam\'s lineage is upgraded at the first pass: a deleted model\'s edges and a re-created one\'s old edges are retired, the new life\'s edges recorded', async () => {
      const p = loam!.platform;
      // What an older Loam left: model 'gone' deleted with its edges kept; model 'm3' deleted and created
      // again with the same model data (the new life's edge from it was never recorded: an edge recorded again keeps the first).
      await model('other', b);
      await config('c3', 'other');
      await query(arn('model', 'other'), 'Both');
      // The old edges were recorded after c3 was created and well before m3 was created again.
      const old = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      for (const uri of [c, b]) await p.registry.lineage.artifact(uri, 'Model');
      for (const [source, destination] of [[art(c), arn('model', 'gone')], [arn('model', 'gone'), arn('endpoint-config', 'c3')], [art(c), arn('model', 'm3')], [arn('model', 'm3'), arn('endpoint-config', 'c3')]] as const) {
        await p.store.lineage.add({ sourceArn: source, destinationArn: destination, associationType: 'ContributedTo', createdAt: old, legacy: true });
      }
      await model('m3', c);
      await p.store.collection(lineageSyncMarksCollection).delete('upgrade:retired-lives');
      const created = (await p.store.collection(modelsCollection).get('m3'))!.value.creationTime;
      const token = loam!.adminToken;
      await loam!.close();
      loam = await openLoamAt(dir, token, env());
      await loam.platform.registry.lineageSync.stop();

      await model('gone', b);
      expect(await query(arn('model', 'gone'), 'Both')).toEqual([art(b)]);
      expect(await query(arn('model', 'm3'), 'Both')).toEqual([art(c)]);
      const into = await associations('DestinationArn', arn('model', 'm3'));
      expect(into.map((x) => x.SourceArn)).toEqual([art(c)]);
      expect(into[0]!.CreationTime).toBeGreaterThanOrEqual(created);
      // c3 was built on 'other'; the deleted lives it was joined to are hidden (not the new m3), and walked through to their data.
      expect(await query(arn('endpoint-config', 'c3'), 'Ascendants')).toEqual([art(c), art(b), arn('model', 'other')].sort());
      // The old data still leads to what the deleted lives fed.
      expect(await query(c, 'Descendants')).toEqual([arn('endpoint-config', 'c3'), arn('model', 'm3')].sort());
    });
  });
}

livesTests('SQLite');
livesTests('PostgreSQL');

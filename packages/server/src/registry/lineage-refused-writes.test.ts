import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { artifactArn } from '@loam/core';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, openLoamAt, storeGbdtModel } from '../endpoints/endpoints.test-support.js';
import { sql } from '../jobs/postgres-faults.test-support.js';

/*
 * QueryLineage and ListAssociations run a lineage pass first, and waited for it. A store that refuses
 * writes (a read-only database, a failing disk) failed the pass, and with it the query: a 500 for a read
 * the store could answer. They now answer from the lineage stored. The refusal is the database's own: a
 * trigger refuses every new lineage artifact and edge, as a read-only database refuses them.
 */
function refusalTests(backend: 'SQLite' | 'PostgreSQL', schemas: readonly string[]): void {
  describe(`lineage reads while the store refuses writes (${backend})`, () => {
    let loam: TestLoam | undefined;
    let dir = '';
    let attempt = -1;
    serverPerAttempt(async () => {
      attempt++;
      dir = mkdtempSync(join(tmpdir(), 'loam-lineage-refused-'));
      loam = await openLoamAt(dir, undefined, backend === 'PostgreSQL'
        ? { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schemas[attempt]! } : {});
      await loam.platform.registry.lineageSync.stop();
      for (const key of ['a/model.tar.gz', 'b/model.tar.gz']) await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key });
    }, async () => {
      await refuse(false).catch(() => undefined);
      await loam?.close();
      loam = undefined;
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    /** Makes the database refuse (or accept again) every new lineage artifact and edge. */
    async function refuse(on: boolean): Promise<void> {
      const tables = ['lineage_artifacts', 'lineage_edges'];
      if (backend === 'SQLite') {
        const db = new Database(join(dir, 'loam.db'));
        try {
          for (const t of tables) {
            db.exec(on ? `create trigger refuse_${t} before insert on ${t} begin select raise(abort, 'attempt to write a readonly database'); end` : `drop trigger if exists refuse_${t}`);
          }
        } finally {
          db.close();
        }
        return;
      }
      const schema = schemas[attempt]!;
      if (on) {
        await sql(`create or replace function ${schema}.refuse_lineage() returns trigger language plpgsql as $$
          begin raise exception 'cannot execute INSERT in a read-only transaction' using errcode = '25006'; end $$`);
      }
      for (const t of tables) {
        await sql(on ? `create trigger refuse_${t} before insert on ${schema}.${t} for each row execute function ${schema}.refuse_lineage()` : `drop trigger if exists refuse_${t} on ${schema}.${t}`);
      }
    }

    const model = async (name: string, uri: string) => {
      const r = await call(loam!, 'POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: uri } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    };

    it('QueryLineage and ListAssociations answer from the stored lineage when the pass before them cannot write', async () => {
      const p = loam!.platform.partition;
      const arn = (name: string) => `arn:loam:sagemaker:${p.region}:${p.accountId}:model/${name}`;
      await model('stored', 's3://models/a/model.tar.gz');
      const before = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: ['s3://models/a/model.tar.gz'], Direction: 'Descendants' });
      expect([before.status, before.body.Vertices]).toEqual([200, [{ Arn: arn('stored'), Type: 'Model', LineageType: 'Context' }]]);
      // A model whose lineage the next pass would record: the store refuses it.
      await model('unrecorded', 's3://models/b/model.tar.gz');
      await refuse(true);
      const refused = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: ['s3://models/a/model.tar.gz'], Direction: 'Descendants' });
      expect([refused.status, refused.body.Vertices]).toEqual([200, before.body.Vertices]);
      const listed = await call(loam!, 'GET', `/api/v1/lineage/associations?DestinationArn=${encodeURIComponent(arn('stored'))}`);
      expect([listed.status, listed.body.AssociationSummaries?.map((x: { SourceArn: string }) => x.SourceArn)]).toEqual([200, [artifactArn(p, 's3://models/a/model.tar.gz')]]);
      const none = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [arn('unrecorded')], Direction: 'Both' });
      expect([none.status, none.body.Vertices]).toEqual([200, []]);
      // Writes accepted again: the next query's pass records what was refused.
      await refuse(false);
      const after = await call(loam!, 'POST', '/api/v1/lineage/query', { StartArns: [arn('unrecorded')], Direction: 'Both' });
      expect([after.status, after.body.Vertices.map((v: { Arn: string }) => v.Arn)]).toEqual([200, [artifactArn(p, 's3://models/b/model.tar.gz')]]);
    });
  });
}

refusalTests('SQLite', []);
refusalTests('PostgreSQL', [useFreshPostgresSchema(), useFreshPostgresSchema()]);

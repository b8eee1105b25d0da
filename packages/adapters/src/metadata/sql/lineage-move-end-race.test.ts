import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { lineageCollections } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { adminQuery, testPostgresUrl } from './postgres-test-schema.js';

/*
 * LineageStore.moveEnd (a lineage vertex's retirement) copies a vertex's edges with INSERT … SELECT, then
 * deletes the originals. On PostgreSQL (READ COMMITTED) each statement reads what is committed when it
 * starts, so an edge of the vertex another session commits between the two was deleted without its copy
 * having been made: lost. The DELETE now removes only the edges whose copy is there.
 */
it('an edge another session commits between the copy and the delete is not lost (PostgreSQL)', async () => {
  // A schema of this attempt's own: a retry never meets the edges a failed attempt left.
  const schema = `loam_test_${randomBytes(6).toString('hex')}`;
  const store = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: lineageCollections });
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: testPostgresUrl, options: `-c search_path=${schema}` });
  const watcher = new pg.Client({ connectionString: testPostgresUrl });
  await other.connect();
  await watcher.connect();
  const m = 'arn:loam:sagemaker:us-east-1:000000000000:model/m';
  const to = `${m}#retired-1700000000000-0000abcd`;
  const [a, y] = ['arn:loam:sagemaker:us-east-1:000000000000:artifact/a', 'arn:loam:sagemaker:us-east-1:000000000000:artifact/y'];
  try {
    await store.lineage.add({ sourceArn: a, destinationArn: m, associationType: 'ContributedTo', createdAt: 1_700_000_000_000 });
    // Another session holds the copy's key uncommitted, so the move's INSERT waits for it; meanwhile that
    // session also records an edge of the vertex, and commits once the INSERT waits.
    const otherPid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await other.query('begin');
    await other.query('insert into lineage_edges (source_arn, destination_arn, association_type, created_at, lives) values ($1, $2, $3, $4, 1), ($5, $6, $3, $4, 1)',
      [a, to, 'ContributedTo', 1_700_000_000_000, y, m]);
    let settled = false;
    const move = store.transaction((tx) => tx.lineage.moveEnd(m, to)).finally(() => void (settled = true));
    for (;;) {
      if (settled) throw new Error(`the move ended before waiting for the other session: ${String(await move.then(() => 'done', (e: Error) => e.message))}`);
      const { rows } = await watcher.query('select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid)) and query ilike $2', [otherPid, 'insert into "lineage_edges"%']);
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await other.query('commit');
    await move;
    // The edge committed meanwhile was not moved (the copy did not see it), so it stays where it was.
    expect((await store.lineage.edges(m, 'upstream')).map((e) => e.sourceArn)).toEqual([y]);
    expect((await store.lineage.edges(to, 'upstream')).map((e) => e.sourceArn)).toEqual([a]);
  } finally {
    await other.end().catch(() => undefined);
    await watcher.end().catch(() => undefined);
    await store.close();
    await adminQuery(`drop schema if exists ${schema} cascade`);
  }
}, 60_000);

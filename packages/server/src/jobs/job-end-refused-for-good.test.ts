import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsCollection, type MetadataStore } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { testPostgresUrl, useFreshPostgresSchemas } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { coordinatorOver } from './coordinator-harness.test-support.js';
import { sql, until } from './postgres-faults.test-support.js';

// A job's end the database refuses for good (a trigger, a constraint: the same error every time, never an outage) was
// tried every 30 s for as long as the server ran, an error line each time, the job InProgress. It is now given up after
// GiveUpAfter (shortened here) and the job ends Failed with a FailureReason naming the database's error, its resources
// released. The refusal is the database's own, on SQLite and PostgreSQL: a trigger refusing the job's record while it
// carries an exit message (the real end has one; the Failed end written in its place does not).

const refusal = 'exit messages are not kept in this database';
const freshSchema = useFreshPostgresSchemas();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Backend {
  readonly name: string;
  /** Opens a store of its own, with a trigger refusing the job's record while it holds an exit message. */
  readonly open: () => Promise<MetadataStore>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'loam-end-refused-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: [jobsCollection] });
      const db = new Database(join(dir, 'loam.db'));
      try {
        db.exec(`create trigger refuse_end before update on jobs when new.doc like '%"exitMessage"%' begin select raise(abort, '${refusal}'); end`);
      } finally {
        db.close();
      }
      return store;
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const schema = freshSchema();
      const store = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [jobsCollection] });
      await sql(`create function ${schema}.refuse_end() returns trigger language plpgsql as $$
        begin
          if new.doc like '%"exitMessage"%' then raise exception '${refusal}'; end if;
          return new;
        end $$`);
      await sql(`create trigger refuse_end before update on ${schema}.jobs for each row execute function ${schema}.refuse_end()`);
      return store;
    },
  },
];

describe.each(backends)('a job end the database refuses for good, on $name', ({ open }) => {
  it('is given up and the job ends Failed, naming the database error, with what it held released', async () => {
    const store = await open();
    const h = await coordinatorOver(store, 'end-refused', { giveUpAfter: { failures: 3, ms: 50 } });
    cleanups.push(async () => {
      await h.close();
      await store.close();
    });
    h.emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0, exitMessage: 'all good' });

    const done = await h.ended();
    expect([done.status, done.exitMessage]).toEqual(['Failed', undefined]);
    expect(done.failureReason).toMatch(new RegExp(`^The job ended, but the metadata store refused to record its end for \\d+ s \\(\\d+ tries\\): .*${refusal}\\. Its outcome, exit message and model artifacts were not recorded\\.$`));
    expect(h.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'job update failed; its events are kept and tried again',
      "job update given up: the metadata store kept refusing it; its events are dropped and the job's end is recorded as Failed, naming the store's error",
    ]);
    await until(() => (h.released.length ? true : undefined), 5000, 'the job released');
    expect(h.released).toEqual([h.jobId]);
  }, 30_000);
});

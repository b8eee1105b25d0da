import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openLoggedLoam, stopJobWhoseEndIsRefused } from './postgres-faults.test-support.js';

// A job's end refused by the database with an error that is not an outage (here SQLSTATE 58030, io_error, as
// PostgreSQL reports a failed write to its files) was dropped: the coordinator logged 'job update failed' once
// and the job stayed Stopping, with no process behind it, until the server restarted. Its end is now kept and
// tried again with a growing pause, and written once the database takes it.

const refusals = 3;
// A schema per attempt (CI retries once): each server has a data directory, and server.key, of its own.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
let lines: Array<{ level: number; msg: string; jobId?: string; err?: { stack?: string }; failures?: number }> = [];

serverPerAttempt(
  async () => {
    schema = schemas[schemas.indexOf(schema) + 1] ?? schemas[0]!;
    lines = [];
    loam = await openLoggedLoam({ env: { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema }, level: 'debug', onLine: (l) => void lines.push(l as (typeof lines)[number]) });
  },
  async () => {
    await loam?.close();
    loam = undefined;
  },
);

describe('a job update the database refuses with an error that is not an outage', () => {
  it('keeps the job\'s end and writes it once the database takes it (not left Stopping until a restart)', async () => {
    if (!loam) throw new Error('no server');
    const { jobId, allRefused } = await stopJobWhoseEndIsRefused(loam, schema, `io-error-${Date.now().toString(36)}`, { refusals, errcode: '58030', message: 'could not write to file "base/16384/2619": Input/output error' });
    // Every refusal was met: the end was written after the last one.
    expect(allRefused).toBe(true);

    const mine = lines.filter((l) => l.jobId === jobId);
    const errors = mine.filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual(['job update failed; its events are kept and tried again']);
    expect(errors[0]!.err?.stack).toMatch(/Input\/output error/);
    expect(mine.filter((l) => l.level === 20 && /failed again/.test(l.msg)).length).toBe(refusals - 1);
    expect(mine.filter((l) => l.level === 30 && /written after failing/.test(l.msg)).map((l) => l.failures)).toEqual([refusals]);
  }, 90_000);
});

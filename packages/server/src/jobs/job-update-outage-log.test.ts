import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openLoggedLoam, stopJobWhoseEndIsRefused } from './postgres-faults.test-support.js';

// While the database was unavailable, each retry of a job's update (every retryIntervalMs, 1 s) was logged
// at error level with a stack trace: 'job update failed', once a second per job for the whole outage. The
// first refusal is now a warning, the retries debug lines, and the write that got through an info line. The
// database's refusal is real: a trigger answers SQLSTATE 57P03 (cannot_connect_now) to the first writes of
// the job's end, as PostgreSQL does while it restarts.

const refusals = 3;
// A schema per attempt (CI retries once): each server has a data directory, and server.key, of its own.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
let lines: Array<{ level: number; msg: string; jobId?: string; err?: { stack?: string }; retries?: number }> = [];


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


describe('job updates during a database outage', () => {
  it('logs the first refusal as a warning, the retries at debug level and the recovery, and no error', async () => {
    if (!loam) throw new Error('no server');
    const { jobId, allRefused } = await stopJobWhoseEndIsRefused(loam, schema, `outage-log-${Date.now().toString(36)}`, { refusals, errcode: '57P03', message: 'the database system is starting up' });
    // Every refusal was met: the end was written after the last one.
    expect(allRefused).toBe(true);

    const mine = lines.filter((l) => l.jobId === jobId);
    expect(mine.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    const waits = mine.filter((l) => l.level === 40 && /waits for the metadata store/.test(l.msg));
    expect(waits).toHaveLength(1);
    expect(waits[0]!.err?.stack).toMatch(/57P03/);
    expect(mine.filter((l) => l.level === 20 && /still waits/.test(l.msg)).length).toBe(refusals - 1);
    expect(mine.filter((l) => l.level === 30 && /answers again/.test(l.msg)).map((l) => l.retries)).toEqual([refusals - 1]);
  }, 90_000);
});

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlMetadataStore } from '@loam/adapters';
import { jobsCollection } from '@loam/core';
import { testPostgresUrl, useFreshPostgresSchemas } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { coordinatorOver } from './coordinator-harness.test-support.js';
import { until } from './postgres-faults.test-support.js';

// PostgreSQL committed a job's end but its answer never reached the server (the connection dropped after COMMIT): the
// store reported the write as failed (ServiceUnavailable), the retry read the job done and did nothing more, so the
// executor's release of the job's work directory was skipped until a restart. The retry now finds the end recorded
// (by these exits' sequence numbers) and releases. The drop is real: a TCP proxy in front of PostgreSQL passes the
// UPDATE that writes the job's end and cuts the connection instead of passing PostgreSQL's answer to it (which it
// sends only once the statement's transaction has committed: ReadyForQuery, idle).

const freshSchema = useFreshPostgresSchemas();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** ReadyForQuery, outside a transaction: PostgreSQL's last word on a statement whose implicit transaction committed. */
const READY_IDLE = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/**
 * A proxy to the test PostgreSQL that cuts, once, the connection that sent a statement holding `marker` (in its
 * parameters), as soon as PostgreSQL has answered that statement in full and before the answer is passed on.
 */
async function answerLosingProxy(marker: string): Promise<{ readonly url: string; readonly cut: () => boolean; readonly close: () => Promise<void> }> {
  const target = new URL(testPostgresUrl);
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(client).add(upstream);
    let sent = '';
    let doomed = false;
    let answer = Buffer.alloc(0);
    client.on('data', (b: Buffer) => {
      if (!cut && !doomed) {
        sent = (sent + b.toString('latin1')).slice(-65536);
        doomed = sent.includes(marker);
      }
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (!doomed) return void client.write(b);
      answer = Buffer.concat([answer, b]);
      if (answer.subarray(-READY_IDLE.length).equals(READY_IDLE)) {
        cut = true;
        client.destroy();
        upstream.destroy();
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = new URL(testPostgresUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut: () => cut,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("a job's end PostgreSQL committed but whose answer was lost", () => {
  it('is found recorded when the write is tried again, and what the job held is released', async () => {
    const proxy = await answerLosingProxy('"phase":"done"');
    cleanups.push(proxy.close);
    const store = await openSqlMetadataStore({ url: proxy.url, schema: freshSchema(), collections: [jobsCollection] });
    cleanups.push(() => store.close());
    const h = await coordinatorOver(store, 'answer-lost');
    cleanups.push(h.close);
    h.emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });

    const done = await h.ended();
    expect(done.status).toBe('Completed');
    await until(() => (h.released.length ? true : undefined), 5000, 'the job released').catch(() => undefined);
    // The answer was lost (the store reported the committed write as unavailable), and the job was released.
    expect([proxy.cut(), h.lines.filter((l) => /waits for the metadata store/.test(l.msg)).length, h.released]).toEqual([true, 1, [h.jobId]]);
  }, 30_000);
});

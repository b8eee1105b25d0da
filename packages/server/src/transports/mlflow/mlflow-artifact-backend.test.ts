import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { httpBackend, type Backend } from '@loam/adapters/artifacts/s3/s3-misbehaving-backend.test-support';
import type { TestLoam } from '../../compose/loam.test-support.js';
import { answerNoSuchKey, loamOnS3Backend } from '../../http/store-body.test-support.js';

// The MLflow artifact proxy's downloads over an S3 artifact backend (artifacts.type: s3), a real HTTP server on loopback:
// a download's body holds one of the backend pool's connections until it is read or destroyed.

const BIG = 64 * 1024 * 1024;
const big = Buffer.alloc(BIG, 7);
// The default experiment's folder: its artifact location holds it, so the admin may read it.
const DOWNLOAD = '/api/2.0/mlflow-artifacts/artifacts/0';

const loams = loamOnS3Backend();

/** A backend whose MLflow folder `0` holds `small` (5 bytes) and `big` (64 MiB); counts the GETs of `big`. */
async function mlflowBackend(): Promise<Backend & { bigGets(): number }> {
  let bigGets = 0;
  const b = await httpBackend((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const head = { etag: '"e"', 'last-modified': new Date(0).toUTCString() };
    if (path === '/loam-mlflow/mlflow/0/small') return void res.writeHead(200, { ...head, 'content-length': '5' }).end('hello');
    if (path === '/loam-mlflow/mlflow/0/big') {
      bigGets++;
      return void res.writeHead(200, { ...head, 'content-length': String(BIG) }).end(big);
    }
    answerNoSuchKey(res);
  });
  return { ...b, bigGets: () => bigGets };
}

/** A download of `big` over a raw connection that reads the answer's first bytes, then nothing more. */
function stalledClient(url: string, l: TestLoam): void {
  loams.stall(url, `${DOWNLOAD}/big`, { Authorization: `Bearer ${l.adminToken}` });
}

async function expectSmall(l: TestLoam, url: string): Promise<void> {
  const res = await fetch(`${url}${DOWNLOAD}/small`, { headers: { authorization: `Bearer ${l.adminToken}` } });
  expect(await res.text()).toBe('hello');
  expect(res.status).toBe(200);
}

describe("MLflow artifact downloads whose clients stop reading an S3 backend's body", () => {
  it('are cut off at the idle limit, so more of them than the pool holds do not block the next download', { timeout: 120_000 }, async () => {
    const b = await mlflowBackend();
    // A pool of 2; a later request may wait 20 s for a connection, far longer than the 1 s a stalled client is given.
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__MAX_SOCKETS: '2', LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '1000', LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '20000' });
    for (let i = 0; i < 3; i++) stalledClient(url, l);
    // Both of the pool's connections carry a body no client reads.
    await loams.untilServed(b.bigGets, 2);

    await expectSmall(l, url);
  });

  it('free the backend connection when they close theirs', { timeout: 120_000 }, async () => {
    const b = await mlflowBackend();
    // The idle limit is far off: only the close can free the pool's one connection in time.
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__MAX_SOCKETS: '1', LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '600000', LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '20000' });
    stalledClient(url, l);
    await loams.untilServed(b.bigGets, 1);
    for (const c of loams.clients.splice(0)) c.destroy();
    await expectSmall(l, url);
  });
});

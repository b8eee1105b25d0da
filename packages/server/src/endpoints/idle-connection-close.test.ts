import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceHandle } from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters/instances/local-process/index';
import { HttpInstance } from './serving-instance.js';

// A model server may end a keep-alive connection it finds idle (Node's default keepAliveTimeout is 5 s,
// gunicorn's 2 s). A request Loam sends on that connection just as the server closes it is reset before
// any answer: the instance is alive and idle, not unreachable, and must not be replaced for it. Node's
// documented remedy: a request on a reused socket reset before an answer is sent again on a new one.

// A model server (its own process) that answers a connection's first request and, as a server whose idle
// timer fires just as the next one arrives, drops the connection at the next, unanswered.
const server = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/ping') return res.end();
    if (req.socket.loamServed) return req.socket.destroy();
    req.socket.loamServed = true;
    res.setHeader('content-type', 'text/plain');
    res.end('answer ' + body);
  });
});
s.keepAliveTimeout = 0;
s.listen(Number(process.env.SAGEMAKER_BIND_TO_PORT), '127.0.0.1');
`;

let scratch: string;
let launcher: LocalProcessLauncher;
let handle: InstanceHandle;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-idle-close-'));
  writeFileSync(join(scratch, 'server.cjs'), server);
  launcher = new LocalProcessLauncher({ sandbox: 'off' });
  handle = await launcher.launch({ instanceId: 'idle-close-1', command: process.execPath, args: [join(scratch, 'server.cjs')], env: {}, cwd: join(scratch, 'work') });
  const probe = new HttpInstance('probe', handle, 1);
  for (const t0 = Date.now(); !(await probe.ping());) {
    if (Date.now() - t0 > 20_000) throw new Error(`the server did not answer /ping: ${handle.tail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 30_000);
afterAll(async () => {
  await handle?.stop(1000);
  await launcher?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('an instance whose server closed an idle keep-alive connection', () => {
  it('answers the request sent on that connection through a new one, instead of being unreachable', async () => {
    const inst = new HttpInstance('idle-close-1', handle, 1);
    const first = await inst.invoke({ body: Buffer.from('1') }, 10_000);
    expect(first.body.toString()).toBe('answer 1');
    // The same (pooled) connection: the server drops it unanswered.
    const second = await inst.invoke({ body: Buffer.from('2') }, 10_000);
    expect({ status: second.status, body: second.body.toString() }).toEqual({ status: 200, body: 'answer 2' });
  });
});

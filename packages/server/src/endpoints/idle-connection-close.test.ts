import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceHandle } from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters/instances/local-process/index';
import { POOLED_CONNECTION_IDLE_MS } from '@loam/runtime/model-server/index';
import { HttpInstance, InstanceUnreachableError } from './serving-instance.js';

// A model server may end a keep-alive connection it finds idle (Node's default keepAliveTimeout is 5 s,
// gunicorn's 2 s); a request sent on it as it closes is reset before any answer. Loam avoids that race as
// undici does, by ending a pooled connection itself before the server would — not by sending a reset request
// again: the client cannot tell an idle close from a server that read the request, ran the handler and then
// dropped the connection (a worker killed, gunicorn's --timeout), and a handler need not be idempotent.

// A model server (its own process) with no idle timeout of its own, that counts its connections and the
// requests it read, and drops the connection unanswered after reading a request whose body is 'drop'.
const server = `
const http = require('node:http');
const seen = [];
let connections = 0;
const s = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/ping') return res.end();
    if (req.url === '/seen') return res.end(JSON.stringify({ seen, connections }));
    seen.push(body);
    if (body === 'drop') return req.socket.destroy();
    res.setHeader('content-type', 'text/plain');
    res.end('answer ' + body);
  });
});
s.on('connection', () => connections++);
s.keepAliveTimeout = 0;
s.listen(Number(process.env.SAGEMAKER_BIND_TO_PORT), '127.0.0.1');
`;

let scratch: string;
let launcher: LocalProcessLauncher;
let handle: InstanceHandle;

/** What the server read so far, asked on a connection of its own. */
function seen(): Promise<{ seen: string[]; connections: number }> {
  const u = new URL(handle.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: Number(u.port), path: '/seen', agent: false }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(JSON.parse(b) as { seen: string[]; connections: number }));
    });
    r.on('error', reject);
    r.end();
  });
}

// A launcher and a server process per file run (a retry starts both again); each test reads the server's
// counts relative to where it started.
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

describe('pooled connections to a model server', () => {
  it('a connection idle longer than Loam keeps one is not used again, so a server ending it as idle cannot reset a request', async () => {
    const inst = new HttpInstance('idle-close-1', handle, 1);
    expect((await inst.invoke({ body: Buffer.from('1') }, 10_000)).body.toString()).toBe('answer 1');
    const { connections } = await seen();
    await new Promise((r) => setTimeout(r, POOLED_CONNECTION_IDLE_MS + 300));
    expect((await inst.invoke({ body: Buffer.from('2') }, 10_000)).body.toString()).toBe('answer 2');
    // The /seen request above took a connection of its own; the invocation after the idle spell another.
    expect((await seen()).connections).toBe(connections + 2);
  });

  it('a request the server read and then dropped unanswered is not sent again, even on a reused connection', async () => {
    const inst = new HttpInstance('idle-close-1', handle, 1);
    const before = (await seen()).seen.length;
    expect((await inst.invoke({ body: Buffer.from('3') }, 10_000)).body.toString()).toBe('answer 3');
    // The same pooled connection, at once: the server reads the request and ends the connection.
    await expect(inst.invoke({ body: Buffer.from('drop') }, 10_000)).rejects.toBeInstanceOf(InstanceUnreachableError);
    expect((await seen()).seen.slice(before)).toEqual(['3', 'drop']);
  });
});

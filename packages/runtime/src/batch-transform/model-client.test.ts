import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOLED_CONNECTION_IDLE_MS } from '../model-server/pooled-connection.js';
import { ModelClient } from './model-client.js';

// A model server may end a keep-alive connection it finds idle (Node's default keepAliveTimeout is 5 s,
// gunicorn's 2 s); a record sent on it as it closes is reset before any answer and costs one of the job's
// InvocationsMaxRetries (with 0, the record fails the job). The client ends an idle pooled connection
// before the server would, as endpoints' instances do (endpoints/idle-connection-close.test.ts).

// A model server with no idle timeout of its own, that counts its connections.
let server: Server;
let connections = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('answer'));
  });
  server.keepAliveTimeout = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('batch transform model client', () => {
  it('does not send a record on a connection idle longer than Loam keeps one, so a server ending it as idle cannot reset it', async () => {
    const client = new ModelClient((server.address() as AddressInfo).port, 1);
    try {
      const before = connections;
      const o = { timeoutMs: 10_000, maxRetries: 0 };
      expect((await client.invoke(Buffer.from('1'), o)).body.toString()).toBe('answer');
      expect((await client.invoke(Buffer.from('2'), o)).body.toString()).toBe('answer');
      // Back to back, the pooled connection is used again.
      expect(connections).toBe(before + 1);
      await new Promise((r) => setTimeout(r, POOLED_CONNECTION_IDLE_MS + 300));
      expect((await client.invoke(Buffer.from('3'), o)).body.toString()).toBe('answer');
      expect(connections).toBe(before + 2);
    } finally {
      client.close();
    }
  });
});

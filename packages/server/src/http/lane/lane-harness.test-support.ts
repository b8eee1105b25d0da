import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { InvocationLane, type LaneReply, type LaneRoute } from './invocation-lane.js';
import type { LaneHead } from './request-head.js';
import type { RawResponse } from './raw-http-client.test-support.js';

// The invocation lane's test harness: a plain Node server answering `node:<method> <url> <body>`,
// with the lane and a test route answering `lane:<method> <url> <body>` in front.

/** A plain HTTP/1.1 request with a Content-Length body. */
export function post(path: string, body = '', extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
}
export const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
export const chunked = (path: string, chunks: readonly string[]): string =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`;

export const servers: Server[] = [];

/** What the test route and server saw, and the answers the test holds back. */
export interface Harness {
  readonly server: Server;
  readonly lane: InvocationLane;
  readonly port: number;
  /** `method url body` of each request Node's server answered. */
  readonly nodeSeen: string[];
  /** `method url body` of each request the lane's route handled. */
  readonly laneSeen: string[];
  /** Replies to `/lane/hold` requests, for the test to answer. */
  readonly held: { head: LaneHead; body: Buffer; reply: LaneReply }[];
  /** Streams given to `/lane/stream-forever`, to see them destroyed. */
  readonly endless: Readable[];
  /** What `send` threw for `/lane/bad-header`. */
  readonly thrown: unknown[];
}

/** Size of `/lane/huge`'s answer: more than loopback socket buffers hold. */
export const BIG = 24 * 1024 * 1024;

/** The lane's test route: POST /lane/… only, answered on a later turn as a real route does. */
export function testRoute(h: Omit<Harness, 'server' | 'lane' | 'port'>): LaneRoute {
  return {
    accepts: (head) => head.method === 'POST' && head.url.startsWith('/lane/'),
    handle(head, body, reply) {
      const said = `${head.method} ${head.url} ${body.toString('latin1')}`;
      h.laneSeen.push(said);
      if (head.url === '/lane/throw') throw new Error('a route that throws');
      setImmediate(() => {
        switch (head.url) {
          case '/lane/handoff':
            reply.handOff();
            return;
          case '/lane/hold':
            h.held.push({ head, body, reply });
            return;
          case '/lane/stream':
            reply.stream(200, { 'content-type': 'text/plain', 'x-lane': '1' }, Readable.from([Buffer.from('a'), Buffer.from('bb'), Buffer.from(''), Buffer.from('ccc'), Buffer.from(body)]));
            return;
          case '/lane/stream-forever': {
            let n = 0;
            const s = new Readable({
              read() {
                setTimeout(() => this.push(`chunk${n++};`), 20);
              },
            });
            h.endless.push(s);
            reply.stream(200, { 'x-lane': '1' }, s);
            return;
          }
          case '/lane/stream-error': {
            const s = new Readable({ read() {} });
            reply.stream(200, { 'x-lane': '1' }, s);
            s.push('partial');
            setTimeout(() => s.destroy(new Error('the model failed')), 20);
            return;
          }
          case '/lane/twice':
            // A misbehaving route: answers twice, then hands off late.
            reply.send(200, { 'x-lane': '1' }, 'first');
            setTimeout(() => {
              reply.send(200, { 'x-lane': '1' }, 'late');
              reply.handOff();
            }, 30);
            return;
          case '/lane/huge':
            reply.send(200, { 'x-lane': '1' }, Buffer.alloc(BIG, 120));
            return;
          case '/lane/stream-ended': {
            const s = Readable.from([]);
            s.resume();
            s.once('end', () => setImmediate(() => reply.stream(200, { 'x-lane': '1' }, s)));
            return;
          }
          case '/lane/bad-header':
            try {
              reply.send(200, { 'x-ok': '1', 'x-bad': 'a\r\nInjected: yes' }, 'first');
            } catch (e) {
              h.thrown.push(e);
              reply.send(500, { 'x-lane': '1', 'x-second': '1' }, 'second');
            }
            return;
          default:
            reply.send(200, { 'content-type': 'text/plain', 'x-lane': '1' }, `lane:${said}`);
        }
      });
    },
  };
}

/** A Node HTTP server with the lane and its test route in front, listening on 127.0.0.1. */
export async function start(configure?: (server: Server) => void): Promise<Harness> {
  const nodeSeen: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const said = `${req.method} ${req.url} ${Buffer.concat(parts).toString('latin1')}`;
      nodeSeen.push(said);
      const out = `node:${said}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(out), 'x-node': '1' });
      res.end(out);
    });
  });
  configure?.(server);
  servers.push(server);
  const lane = new InvocationLane(server, { hostAllowed: (host) => host !== 'blocked.example' });
  const h = { nodeSeen, laneSeen: [] as string[], held: [] as Harness['held'], endless: [] as Readable[], thrown: [] as unknown[] };
  lane.addRoute(testRoute(h));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { ...h, server, lane, port: (server.address() as AddressInfo).port };
}

/** Closes the server, resolving when its close callback fires (rejecting after `ms`). */
export function closeServer(server: Server, ms = 4000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server.close did not call back')), ms);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}


/** Node's HTTP client: one request, the whole answer. */
export function clientRequest(port: number, agent: Agent, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('latin1'), reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const isLane = (r: RawResponse): boolean => r.headers['x-lane'] === '1' && r.headers['x-node'] === undefined;
export const isNode = (r: RawResponse): boolean => r.headers['x-node'] === '1';

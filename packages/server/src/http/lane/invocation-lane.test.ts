import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BIG, chunked, clientRequest, closeServer, get, isLane, isNode, post, servers, start } from './lane-harness.test-support.js';
import { parseResponses, pause, RawClient, rawSockets } from './raw-http-client.test-support.js';

// Integration tests of the invocation lane on real sockets: a plain Node server answers
// `node:<method> <url> <body>`, the lane's test route `lane:<method> <url> <body>`, so each answer
// says who gave it.

afterEach(async () => {
  for (const s of rawSockets.splice(0)) s.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    if (server.listening) await new Promise<void>((r) => server.close(() => r()));
  }
});

describe('InvocationLane on a keep-alive connection', () => {
  it('answers many requests one after another, in order, with content-length, Date and keep-alive headers', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    for (let i = 0; i < 25; i++) {
      await c.write(post(`/lane/${i}`, `body ${i}`));
      const [r] = (await c.read(i + 1)).slice(i);
      expect(r?.status).toBe(200);
      expect(r?.body).toBe(`lane:POST /lane/${i} body ${i}`);
      expect(r?.headers['content-length']).toBe(String(Buffer.byteLength(`lane:POST /lane/${i} body ${i}`)));
      expect(r?.headers['connection']).toBe('keep-alive');
      expect(r?.headers['keep-alive']).toBe('timeout=5');
      expect(Number.isNaN(Date.parse(r?.headers['date'] ?? ''))).toBe(false);
      expect(r?.head.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    }
    expect(h.nodeSeen).toEqual([]);
    expect(c.closed).toBe(false);
    expect(parseResponses(c.received, false).rest).toBe(0);
  });

  it('answers Node’s keep-alive HTTP client on one connection', async () => {
    const h = await start();
    let connections = 0;
    h.server.on('connection', () => connections++);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 10; i++) {
        const r = await clientRequest(h.port, agent, 'POST', `/lane/k${i}`, `b${i}`);
        expect(r.status).toBe(200);
        expect(r.body).toBe(`lane:POST /lane/k${i} b${i}`);
        expect(r.headers['x-lane']).toBe('1');
        expect(r.headers['connection']).toBe('keep-alive');
      }
      expect(connections).toBe(1);
      expect(h.nodeSeen).toEqual([]);
    } finally {
      agent.destroy();
    }
  });

  it('reads a large body arriving in many writes and sends a large answer whole', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const body = 'x'.repeat(200_000);
    const req = post('/lane/big', body);
    await c.writeSplit(req, [10, 50, 100, 5000, 70_000, 150_000]);
    const [r] = await c.read(1);
    expect(r?.body).toBe(`lane:POST /lane/big ${body}`);
    await c.write(post('/lane/after', 'z'));
    expect((await c.read(2))[1]?.body).toBe('lane:POST /lane/after z');
  });

  it('takes a zero-length body', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/empty') + post('/lane/empty2'));
    expect((await c.read(2)).map((r) => r.body)).toEqual(['lane:POST /lane/empty ', 'lane:POST /lane/empty2 ']);
  });
});

describe('InvocationLane with pipelined requests', () => {
  const requests = Array.from({ length: 8 }, (_, i) => post(`/lane/p${i}`, `pipelined body ${i}`));
  const expected = Array.from({ length: 8 }, (_, i) => `lane:POST /lane/p${i} pipelined body ${i}`);

  it('answers requests written in one write, in order', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(requests.join(''));
    expect((await c.read(8)).map((r) => r.body)).toEqual(expected);
    expect(h.nodeSeen).toEqual([]);
  });

  it('answers requests written byte by byte', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const all = requests.slice(0, 3).join('');
    await c.writeSplit(
      all,
      Array.from({ length: all.length }, (_, i) => i + 1),
    );
    expect((await c.read(3)).map((r) => r.body)).toEqual(expected.slice(0, 3));
  });

  it('answers requests split at awkward offsets (inside CRLF CRLF, inside the body, at request boundaries)', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const all = requests.join('');
    const first = requests[0] as string;
    const headEnd = first.indexOf('\r\n\r\n');
    const cuts = [headEnd + 1, headEnd + 2, headEnd + 3, headEnd + 4, headEnd + 6, first.length - 1, first.length, first.length + 1, first.length * 3 + 5, first.length * 5 - 2];
    await c.writeSplit(all, cuts);
    expect((await c.read(8)).map((r) => r.body)).toEqual(expected);
  });
});

describe('InvocationLane handing a connection to Node', () => {
  it('gives the first request the lane does not take, and every later one, to Node, losing no bytes', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    await c.write(post('/lane/2', 'b'));
    await c.read(2);
    await c.write(get('/plain'));
    await c.read(3);
    await c.write(post('/lane/3', 'c'));
    const rs = await c.read(4);
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'lane:POST /lane/2 b', 'node:GET /plain ', 'node:POST /lane/3 c']);
    expect(rs.map(isLane)).toEqual([true, true, false, false]);
    expect(rs.map(isNode)).toEqual([false, false, true, true]);
    expect(h.nodeSeen).toEqual(['GET /plain ', 'POST /lane/3 c']);
    expect(h.laneSeen).toEqual(['POST /lane/1 a', 'POST /lane/2 b']);
  });

  it('gives Node a request pipelined behind a lane request in the same write, and the ones after it', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a') + get('/plain') + post('/lane/2', 'b') + post('/other', 'o'));
    const rs = await c.read(4);
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'node:GET /plain ', 'node:POST /lane/2 b', 'node:POST /other o']);
    expect(h.nodeSeen).toEqual(['GET /plain ', 'POST /lane/2 b', 'POST /other o']);
  });

  it('gives Node a chunked request whose body arrives in later writes', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const req = chunked('/lane/chunked', ['hello ', 'chunked ', 'world']);
    const headEnd = req.indexOf('\r\n\r\n') + 4;
    await c.write(post('/lane/1', 'a') + req.slice(0, headEnd));
    await c.read(1);
    await pause(30);
    await c.writeSplit(req.slice(headEnd), [3, 9, 20]);
    await c.write(post('/lane/after', 'z'));
    const rs = await c.read(3);
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'node:POST /lane/chunked hello chunked world', 'node:POST /lane/after z']);
  });

  it('gives Node a request whose head arrives piece by piece after a lane answer', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    const req = post('/other', 'xyz');
    await c.writeSplit(req, [1, 5, 20, req.length - 2]);
    expect((await c.read(2))[1]?.body).toBe('node:POST /other xyz');
  });

  it('gives Node an Expect: 100-continue request, which Node continues and answers', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    await c.write('POST /lane/expect HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    const [, cont] = await c.read(2);
    expect(cont?.status).toBe(100);
    await c.write('body');
    const [, , r] = await c.read(3);
    expect(r?.body).toBe('node:POST /lane/expect body');
    await c.write(post('/lane/2', 'b'));
    expect((await c.read(4))[3]?.body).toBe('node:POST /lane/2 b');
  });

  it('gives Node a Connection: close request no route takes, which Node answers and then ends the connection', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a') + post('/other', 'bye', 'Connection: close\r\n'));
    await c.waitClosed();
    const rs = c.responses();
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'node:POST /other bye']);
    expect(rs[1]?.headers['connection']).toBe('close');
  });

  it('answers a Connection: close lane request with Connection: close, then ends the connection', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a') + post('/lane/close', 'bye', 'Connection: close\r\n') + post('/lane/never', 'n'));
    await c.waitClosed();
    const rs = c.responses();
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'lane:POST /lane/close bye']);
    expect(rs[1]?.headers['connection']).toBe('close');
    expect(rs[1]?.headers['keep-alive']).toBeUndefined();
    expect(h.laneSeen).toEqual(['POST /lane/1 a', 'POST /lane/close bye']);
    expect(h.nodeSeen).toEqual([]);
    expect(h.lane.answered).toBe(2);
  });

  it('gives Node HTTP/1.0, a Host the lane refuses and a request no route takes', async () => {
    const h = await start();
    const c1 = await RawClient.open(h.port);
    await c1.write('POST /lane/old HTTP/1.0\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi');
    await c1.waitClosed();
    expect(c1.responses()[0]?.body).toBe('node:POST /lane/old hi');
    const c2 = await RawClient.open(h.port);
    await c2.write(post('/lane/1', 'a').replace('Host: localhost', 'Host: blocked.example'));
    expect((await c2.read(1))[0]?.body).toBe('node:POST /lane/1 a');
    const c3 = await RawClient.open(h.port);
    await c3.write(post('/not-lane', 'n'));
    expect((await c3.read(1))[0]?.body).toBe('node:POST /not-lane n');
    expect(h.laneSeen).toEqual([]);
  });

  it('gives Node a head with a bare LF at once, without waiting for a blank line the lane would never see', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write('POST /lane/lf HTTP/1.1\nHost: localhost\nContent-Length: 2\n\nok');
    const [r] = await c.read(1);
    // Node's parser refuses bare LF by default (400), or reads it (lenient): either way, Node answers.
    expect(r?.headers['x-lane']).toBeUndefined();
    expect(h.laneSeen).toEqual([]);
  });

  it('gives Node an oversized head, which Node refuses with 431', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/big-head', 'a', `X-Big: ${'b'.repeat(20_000)}\r\n`));
    const [r] = await c.read(1);
    expect(r?.status).toBe(431);
    expect(h.laneSeen).toEqual([]);
  });

  it('mixes lane and Node answers on Node’s keep-alive client', async () => {
    const h = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await clientRequest(h.port, agent, 'POST', '/lane/1', 'a');
      const b = await clientRequest(h.port, agent, 'GET', '/plain');
      const c = await clientRequest(h.port, agent, 'POST', '/lane/2', 'b');
      expect([a.body, b.body, c.body]).toEqual(['lane:POST /lane/1 a', 'node:GET /plain ', 'node:POST /lane/2 b']);
      expect([b.reused, c.reused]).toEqual([true, true]);
    } finally {
      agent.destroy();
    }
  });
});

describe('LaneReply', () => {
  it('handOff() gives Node the whole request, head and body, exactly once, and the connection with it', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    await c.write(post('/lane/handoff', 'the body', 'X-Extra: 1\r\n') + post('/lane/2', 'b'));
    const rs = await c.read(3);
    expect(rs.map((r) => r.body)).toEqual(['lane:POST /lane/1 a', 'node:POST /lane/handoff the body', 'node:POST /lane/2 b']);
    expect(h.nodeSeen).toEqual(['POST /lane/handoff the body', 'POST /lane/2 b']);
    expect(h.laneSeen).toEqual(['POST /lane/1 a', 'POST /lane/handoff the body']);
  });

  it('handOff() of a request whose body came in pieces', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const req = post('/lane/handoff', 'split body here');
    await c.writeSplit(req, [req.length - 10, req.length - 3]);
    expect((await c.read(1))[0]?.body).toBe('node:POST /lane/handoff split body here');
    expect(h.nodeSeen).toEqual(['POST /lane/handoff split body here']);
  });

  it('stream() sends chunked encoding that Node’s client decodes', async () => {
    const h = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const r = await clientRequest(h.port, agent, 'POST', '/lane/stream', 'dd');
      expect(r.status).toBe(200);
      expect(r.headers['transfer-encoding']).toBe('chunked');
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.body).toBe('abbcccdd');
      const next = await clientRequest(h.port, agent, 'POST', '/lane/after', 'x');
      expect(next.body).toBe('lane:POST /lane/after x');
      expect(next.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('stream() frames each chunk on the wire, skipping empty ones, and ends with 0 CRLF CRLF', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/stream', 'dd') + post('/lane/after', 'x'));
    const [s, after] = await c.read(2);
    expect(s?.wire).toBe('1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n2\r\ndd\r\n0\r\n\r\n');
    expect(s?.headers['connection']).toBe('keep-alive');
    expect(after?.body).toBe('lane:POST /lane/after x');
  });

  it('ends the connection of a route that throws instead of answering, and the server stays up', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a') + post('/lane/throw', 't'));
    await c.waitClosed();
    expect(c.responses().map((r) => r.body)).toEqual(['lane:POST /lane/1 a']);
    const d = await RawClient.open(h.port);
    await d.write(post('/lane/next', 'n'));
    expect((await d.read(1))[0]?.body).toBe('lane:POST /lane/next n');
  });

  it('stream() ends the connection, without the last chunk, when the stream fails', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/stream-error') + post('/lane/never', 'n'));
    await c.waitClosed();
    expect(c.text).toContain('transfer-encoding: chunked\r\n');
    expect(c.text.endsWith('7\r\npartial\r\n')).toBe(true);
    expect(c.responses()).toHaveLength(0);
    expect(h.laneSeen).toEqual(['POST /lane/stream-error ']);
  });

  it('send() throws for a header value with CR LF, writing nothing, and a second send() answers', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/bad-header', 'x') + post('/lane/after', 'y'));
    const rs = await c.read(2);
    expect(h.thrown).toHaveLength(1);
    expect(h.thrown[0]).toBeInstanceOf(Error);
    expect(rs[0]?.status).toBe(500);
    expect(rs[0]?.body).toBe('second');
    expect(rs[0]?.headers['x-second']).toBe('1');
    expect(rs[1]?.body).toBe('lane:POST /lane/after y');
    expect(c.text).not.toContain('Injected');
    expect(c.text).not.toContain('x-ok');
    expect(c.text).not.toContain('first');
  });
});

describe('InvocationLane and misbehaving or slow parties', () => {
  it('ignores a second or late answer from a route: the request behind it gets its own', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    // The request behind it is held while the first route's late answer and hand-off come in.
    await c.write(post('/lane/twice', 'x') + post('/lane/hold', 'z'));
    const [a] = await c.read(1);
    expect(a?.body).toBe('first');
    await c.until(() => h.held.length === 1, 'the second request to be held');
    await pause(100);
    expect(parseResponses(c.received, false).responses).toHaveLength(1);
    h.held[0]?.reply.send(200, { 'x-lane': '1' }, 'second');
    expect((await c.read(2))[1]?.body).toBe('second');
    expect(h.nodeSeen).toEqual([]);
  });

  it('finishes a streamed answer whose body had ended before it was handed over, and serves the next request', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/stream-ended', 'x'));
    const [r] = await c.read(1);
    expect(r?.headers['transfer-encoding']).toBe('chunked');
    expect(r?.body).toBe('');
    await c.write(post('/lane/next', 'n'));
    expect((await c.read(2))[1]?.body).toBe('lane:POST /lane/next n');
  });

  it('keeps a slow reader’s large answer whole past keepAliveTimeout, counted in flight until it is out', async () => {
    const h = await start((server) => {
      server.keepAliveTimeout = 400;
    });
    const sock = connect({ port: h.port, host: '127.0.0.1' });
    rawSockets.push(sock);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.pause();
    sock.write(post('/lane/huge', 'b'));
    await vi.waitFor(() => expect(h.laneSeen).toHaveLength(1));
    await pause(200);
    // Written to the socket but not read by the client: still in flight (a worker's close waits for it).
    expect(h.lane.inFlight).toBe(1);
    // Two sweeps past keepAliveTimeout while the client reads nothing.
    await pause(2300);
    let got = 0;
    sock.on('data', (d: Buffer) => (got += d.length));
    sock.resume();
    await vi.waitFor(() => expect(got).toBeGreaterThan(BIG), { timeout: 5000 });
    expect(sock.destroyed).toBe(false);
    await vi.waitFor(() => expect(h.lane.inFlight).toBe(0));
  });
});

describe('InvocationLane and server.close()', () => {
  it('ends idle lane connections and lets the close callback fire', async () => {
    const h = await start();
    const a = await RawClient.open(h.port);
    const b = await RawClient.open(h.port);
    await a.write(post('/lane/1', 'a'));
    await b.write(post('/lane/2', 'b'));
    await a.read(1);
    await b.read(1);
    await closeServer(h.server);
    await a.waitClosed();
    await b.waitClosed();
    expect(a.ended && b.ended).toBe(true);
  });

  it('closes (not half-closes) the connections it ends, for clients that never end their side', async () => {
    const h = await start();
    // Clients like a pooled urllib3 or http.client connection: half-open allowed, nothing read while idle.
    const open = async (): Promise<Socket> => {
      const s = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
      rawSockets.push(s);
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      await new Promise<void>((r) => s.once('connect', () => r()));
      return s;
    };
    const idle = await open();
    const closing = await open();
    idle.write(post('/lane/1', 'a'));
    closing.write(post('/lane/2', 'b', 'Connection: close\r\n'));
    await pause(100);
    const count = (): Promise<number> => new Promise((r, j) => h.server.getConnections((e, n) => (e ? j(e) : r(n))));
    // The Connection: close one is gone on the server's side although the client never ended its own.
    await vi.waitFor(async () => expect(await count()).toBe(1), { timeout: 3000 });
    // And close() does not wait for the idle keep-alive client.
    await closeServer(h.server, 3000);
  });

  it('ends a connection that has not sent anything yet', async () => {
    const h = await start();
    const a = await RawClient.open(h.port);
    // The lane has the connection once the server has accepted it.
    await pause(50);
    await closeServer(h.server);
    await a.waitClosed();
    expect(a.received.length).toBe(0);
  });

  it('answers a request in flight with Connection: close, then ends the connection', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/hold', 'slow'));
    await c.until(() => h.held.length === 1, 'the route to hold the request');
    expect(h.lane.inFlight).toBe(1);
    let closed = false;
    const done = closeServer(h.server).then(() => {
      closed = true;
    });
    await pause(50);
    expect(closed).toBe(false);
    expect(c.closed).toBe(false);
    h.held[0]?.reply.send(200, { 'x-lane': '1' }, 'late answer');
    await c.waitClosed();
    await done;
    const rs = c.responses();
    expect(rs).toHaveLength(1);
    expect(rs[0]?.body).toBe('late answer');
    expect(rs[0]?.headers['connection']).toBe('close');
    expect(rs[0]?.headers['keep-alive']).toBeUndefined();
  });

  it('answers requests pipelined behind the one in flight no more on the lane', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/hold', 'slow') + post('/lane/2', 'b'));
    await c.until(() => h.held.length === 1, 'the route to hold the request');
    const done = closeServer(h.server);
    h.held[0]?.reply.send(200, { 'x-lane': '1' }, 'late answer');
    await c.waitClosed();
    await done;
    expect(c.responses().map((r) => r.body)).toEqual(['late answer']);
    expect(h.laneSeen).toEqual(['POST /lane/hold slow']);
  });

  it('when closing, gives Node a connection with half a head, and finishes an accepted request whose body is still arriving', async () => {
    const h = await start();
    const halfHead = await RawClient.open(h.port);
    const halfBody = await RawClient.open(h.port);
    const a = post('/lane/half-head', 'abcdef');
    const b = post('/lane/half-body', 'uvwxyz');
    await halfHead.write(a.slice(0, 20));
    await halfBody.write(b.slice(0, b.length - 3));
    await pause(30);
    const done = closeServer(h.server);
    await pause(30);
    await halfHead.write(a.slice(20));
    await halfBody.write(b.slice(b.length - 3));
    const [ra] = await halfHead.read(1);
    expect(ra?.body).toBe('node:POST /lane/half-head abcdef');
    // The accepted one is answered where it was accepted (not a closing server's 503), then the connection ends.
    const [rb] = await halfBody.read(1);
    expect(rb?.body).toBe('lane:POST /lane/half-body uvwxyz');
    expect(rb?.headers['connection']).toBe('close');
    await halfBody.waitClosed();
    // Node keeps its connection until it is idle (its own behaviour without the lane too); a
    // closing server's closeIdleConnections() ends it then, as a serving worker's close does.
    h.server.closeIdleConnections();
    await halfHead.waitClosed();
    await done;
  });

  it('closeAllConnections() destroys lane connections, busy ones included', async () => {
    const h = await start();
    const idle = await RawClient.open(h.port);
    const busy = await RawClient.open(h.port);
    await idle.write(post('/lane/1', 'a'));
    await idle.read(1);
    await busy.write(post('/lane/hold', 'x'));
    await busy.until(() => h.held.length === 1, 'the route to hold the request');
    const done = closeServer(h.server);
    h.server.closeAllConnections();
    await idle.waitClosed();
    await busy.waitClosed();
    await done;
    // The route answering after the connection went: nothing happens.
    h.held[0]?.reply.send(200, {}, 'too late');
    expect(busy.received.length).toBe(0);
  });
});

describe('InvocationLane timeouts', () => {
  it('closes a lane connection idle past server.keepAliveTimeout', async () => {
    const h = await start((s) => {
      s.keepAliveTimeout = 300;
    });
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    const [r] = await c.read(1);
    expect(r?.headers['keep-alive']).toBe('timeout=0');
    // The lane sweeps once a second.
    await c.waitClosed(4500);
    expect(c.responses()).toHaveLength(1);
  });

  it('keeps a connection that is used within server.keepAliveTimeout', async () => {
    const h = await start((s) => {
      s.keepAliveTimeout = 1500;
    });
    const c = await RawClient.open(h.port);
    for (let i = 0; i < 6; i++) {
      await c.write(post(`/lane/${i}`, 'a'));
      await c.read(i + 1);
      await pause(300);
    }
    expect(c.closed).toBe(false);
  });

  it('answers 408 to a head not finished within server.headersTimeout, then ends the connection', async () => {
    const h = await start((s) => {
      s.headersTimeout = 500;
    });
    const c = await RawClient.open(h.port);
    await c.write('POST /lane/slow HTTP/1.1\r\nHost: localhost\r\n');
    await c.waitClosed(4500);
    expect(c.text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(c.responses()[0]?.headers['connection']).toBe('close');
    expect(h.laneSeen).toEqual([]);
  });

  it('answers 408 to a body not finished within server.requestTimeout, then ends the connection', async () => {
    const h = await start((s) => {
      s.headersTimeout = 400;
      s.requestTimeout = 800;
    });
    const c = await RawClient.open(h.port);
    const req = post('/lane/slow-body', 'abcdef');
    await c.write(req.slice(0, req.length - 3));
    await c.waitClosed(4500);
    expect(c.responses().map((r) => r.status)).toEqual([408]);
    expect(h.laneSeen).toEqual([]);
  });

  it('sends no Keep-Alive header when server.keepAliveTimeout is 0, as Node does', async () => {
    const h = await start((s) => {
      s.keepAliveTimeout = 0;
    });
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a') + get('/plain'));
    const [lane, node] = await c.read(2);
    expect(node?.headers['keep-alive']).toBeUndefined();
    expect(lane?.headers['connection']).toBe('keep-alive');
    expect(lane?.headers['keep-alive']).toBeUndefined();
  });

  it('answers 408 to a slow head after lane answers on the same connection', async () => {
    const h = await start((s) => {
      s.headersTimeout = 500;
    });
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    await c.write('POST /lane/slow HTTP/1.1\r\n');
    await c.waitClosed(4500);
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([200, 408]);
  });
});

describe('InvocationLane when the client goes away', () => {
  it('survives a send() after the client disconnected, and serves the next connection', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/hold', 'x'));
    await c.until(() => h.held.length === 1, 'the route to hold the request');
    c.socket.destroy();
    await c.waitClosed();
    await pause(50);
    h.held[0]?.reply.send(200, {}, 'nobody listens');
    h.held[0]?.reply.stream(200, {}, Readable.from(['nor here']));
    h.held[0]?.reply.handOff();
    const d = await RawClient.open(h.port);
    await d.write(post('/lane/next', 'n'));
    expect((await d.read(1))[0]?.body).toBe('lane:POST /lane/next n');
    expect(h.nodeSeen).toEqual([]);
  });

  it('ends an idle lane connection as soon as the client ends its side, as Node does', async () => {
    // Node's HTTP server makes its sockets with allowHalfOpen, and ends one on the client's FIN itself.
    const h = await start();
    const viaNode = await RawClient.open(h.port);
    await viaNode.write(get('/plain'));
    await viaNode.read(1);
    viaNode.socket.end();
    await viaNode.waitClosed(800);
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/1', 'a'));
    await c.read(1);
    c.socket.end();
    // Well before the keep-alive sweep (5 s here) would close it.
    await c.waitClosed(2000);
  });

  it('destroys a stream being sent when the client disconnects', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    await c.write(post('/lane/stream-forever'));
    await c.until(() => c.text.includes('chunk2;'), 'some chunks');
    c.socket.destroy();
    await c.waitClosed();
    await c.until(() => h.endless[0]?.destroyed === true, 'the stream to be destroyed');
    expect(h.lane.inFlight).toBe(0);
  });

  it('survives a client that disconnects in the middle of a request', async () => {
    const h = await start();
    const c = await RawClient.open(h.port);
    const req = post('/lane/cut', 'abcdef');
    await c.write(req.slice(0, req.length - 3));
    await pause(20);
    c.socket.destroy();
    await c.waitClosed();
    await pause(20);
    expect(h.laneSeen).toEqual([]);
    const d = await RawClient.open(h.port);
    await d.write(post('/lane/next', 'n'));
    expect((await d.read(1))[0]?.body).toBe('lane:POST /lane/next n');
  });
});

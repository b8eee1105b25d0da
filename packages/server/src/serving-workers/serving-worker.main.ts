/**
 * A serving worker (ADR 0015): a child of the main server that answers SageMaker Runtime's
 * InvokeEndpoint for built-in models on connections the main server hands it, with its own copy of
 * each model, so invocations use more than one core. Anything it does not answer itself — another
 * route, a Studio session, an endpoint whose instances are processes, credentials the main server
 * refuses — goes to the main server over its internal socket, unchanged.
 */
import { chmodSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import pino from 'pino';
import { authorize, type Principal, type RequestContext } from '@loam/core';
import { EndpointRouter } from '../endpoints/endpoint-router.js';
import { requestIdOf } from '../http/build-app.js';
import { hostAllowed } from '../http/host-allowlist.js';
import { InvocationLane } from '../http/lane/invocation-lane.js';
import { createRuntimeFastRoute, createRuntimeLaneRoute, HandOffError } from '../transports/aws-json/runtime.routes.js';
import type { EndpointInvoker, InvocationRequest } from '../transports/aws-json/endpoint-invoker.js';
import { WorkerCredentials } from './worker-credentials.js';
import { WorkerEndpoints } from './worker-endpoints.js';
import { WorkerForwarders } from './worker-forwarders.js';
import type { MainToWorker, RpcCall, RpcValue, WorkerSettings, WorkerToMain } from './worker-protocol.js';

const settings = JSON.parse(process.env['LOAM_SERVING_WORKER'] ?? 'null') as WorkerSettings | null;
if (!settings || typeof process.send !== 'function') {
  process.stderr.write('serving-worker: started without its settings or IPC channel (the main server starts it)\n');
  process.exit(2);
}
const send = (m: WorkerToMain): void => {
  if (process.connected) process.send?.(m);
};
const log = pino({ level: settings.logLevel, base: { servingWorker: settings.index } }, pino.destination(2));

// Credentials from the main server.
let nextRpc = 1;
const pending = new Map<number, { resolve(v: RpcValue): void; reject(e: Error): void }>();
const ask = (call: RpcCall): Promise<RpcValue> =>
  new Promise((resolve, reject) => {
    const id = nextRpc++;
    pending.set(id, { resolve, reject });
    send({ t: 'rpc', id, call });
  });
const credentials = new WorkerCredentials(ask, (accessKeyId) => send({ t: 'key-used', accessKeyId }));

// Endpoints, router, metrics and capture.
const endpoints = new WorkerEndpoints(log);
const forwarders = new WorkerForwarders();
const router = new EndpointRouter({
  partition: settings.partition,
  live: (name) => endpoints.get(name),
  metrics: forwarders,
  capture: (ep) => {
    const percent = endpoints.capturePercent(ep.name);
    return percent > 0 ? forwarders.capture(ep.name, percent) : undefined;
  },
});
const invoker: EndpointInvoker = {
  invokeEndpoint(req: InvocationRequest, ctx: RequestContext) {
    if (!endpoints.get(req.endpointName)) return Promise.reject(new HandOffError(`endpoint ${req.endpointName} is answered by the main server`));
    return router.invokeEndpoint(req, ctx);
  },
};
const flush = (): void => {
  const { batches, offers, dropped } = forwarders.take();
  if (batches.length > 0) send({ t: 'metrics', batches });
  if (offers.length > 0 || Object.keys(dropped).length > 0) send({ t: 'capture', offers, dropped });
};
const flushTimer = setInterval(flush, 200);

// Requests it does not answer: to the main server, as they came.
const toMain = new Agent({ keepAlive: true, maxSockets: 256 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
function proxy(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
  // Every header as received (a repeated one stays repeated: a SigV4 signature may cover it).
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) if (v !== undefined && !hopByHop.has(k)) headers[k] = v.length === 1 ? (v[0] as string) : v;
  if (body !== undefined) headers['content-length'] = String(body.length);
  else if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  const up = request({ socketPath: settings!.mainSocket, agent: toMain, method: req.method, path: req.url, headers }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !hopByHop.has(k)) out[k] = v;
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
    pipeline(answer, res, () => undefined);
  });
  up.on('error', (e) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const json = JSON.stringify({ message: `Loam's main server could not be reached: ${e.message}` });
    res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
  if (body !== undefined) up.end(body);
  else pipeline(req, up, () => undefined);
}

const handOff = (req: IncomingMessage, res: ServerResponse, body: Buffer, reason: string): void => {
  log.debug({ url: req.url, reason }, 'invocation handed to the main server');
  proxy(req, res, body);
};
const runtimeDeps = {
  keys: credentials,
  tokens: credentials,
  authorize: async (p: Principal, action: string, resource: string) => authorize(p, await credentials.policiesOf(p.userName), action, resource),
  partition: settings.partition,
  invoker: () => invoker,
};
const fast = createRuntimeFastRoute(runtimeDeps, log, handOff);
const hostOk = hostAllowed(settings.allowedHosts, settings.boundHost);
// Requests being answered, for a close that lets them finish.
let inflight = 0;
let closing = false;
const server = createServer((req, res) => {
  inflight++;
  res.once('close', () => {
    inflight--;
    if (closing) server.closeIdleConnections();
  });
  // Closing: answer what is asked, then end the connection.
  if (closing) res.setHeader('connection', 'close');
  if (hostOk(req.headers.host) && fast(req, res, requestIdOf(req))) return;
  proxy(req, res);
});
server.keepAliveTimeout = settings.keepAliveTimeoutMs;
// Plain invocations on the connection itself (ADR 0016); the rest, and hand-offs, reach `server` above.
const lane = settings.invocationLane ? new InvocationLane(server, { hostAllowed: hostOk }) : undefined;
lane?.addRoute(createRuntimeLaneRoute(runtimeDeps, log));
// Connections come from the main server, never from this socket; listening on it (0600, private)
// turns on Node's connection tracking: headers and request timeouts, and closing idle connections.
const ownSocket = join(tmpdir(), `loam-${process.ppid}-w${settings.index}-${process.pid}.sock`);
server.listen(ownSocket, () => {
  chmodSync(ownSocket, 0o600);
  send({ t: 'ready' });
});

process.on('message', (m: MainToWorker, handle?: Socket) => {
  switch (m.t) {
    case 'connection': {
      if (!handle) return;
      if (closing) {
        handle.destroy();
        return;
      }
      server.emit('connection', handle);
      return;
    }
    case 'endpoints':
      endpoints.apply(m.views);
      return;
    case 'identity':
      credentials.setGeneration(m.generation);
      return;
    case 'rpc-result': {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.message ?? 'refused'));
      return;
    }
    case 'close':
      close(m.graceMs);
      return;
  }
});

function close(graceMs: number): void {
  if (closing) return;
  closing = true;
  // Connections end once their request is answered (`connection: close`); idle ones now. Out when
  // nothing is in flight, or after the grace.
  const exit = (): void => {
    clearInterval(wait);
    clearTimeout(force);
    clearInterval(flushTimer);
    flush();
    rmSync(ownSocket, { force: true });
    // Give the IPC channel a moment to take the last metrics.
    setTimeout(() => process.exit(0), 50);
  };
  const force = setTimeout(exit, graceMs);
  const wait = setInterval(() => {
    server.closeIdleConnections();
    if (inflight === 0 && (lane?.inFlight ?? 0) === 0) exit();
  }, 20);
  server.close();
  server.closeIdleConnections();
}
// The main server went away: so does its worker.
process.on('disconnect', () => close(1000));
// It went away while this worker was still loading, before the handler above was there to hear it: its
// 'disconnect' has come and gone, and nothing would end this worker (an orphan for good).
if (!process.connected) close(0);

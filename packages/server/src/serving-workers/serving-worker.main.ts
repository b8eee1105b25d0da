/**
 * A serving worker (ADR 0015): a child of the main server that answers SageMaker Runtime's
 * InvokeEndpoint for built-in models on connections the main server hands it, with its own copy of
 * each model, so invocations use more than one core. Anything it does not answer itself — another
 * route, a Studio session, an endpoint whose instances are processes, credentials the main server
 * refuses — goes to the main server over its internal socket, unchanged.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import pino from 'pino';
import { authorize, type Principal, type RequestContext } from '@loam/core';
import { EndpointRouter } from '../endpoints/endpoint-router.js';
import { requestIdOf } from '../http/build-app.js';
import { hostAllowed } from '../http/host-allowlist.js';
import { createRuntimeFastRoute, HandOffError } from '../transports/aws-json/runtime.routes.js';
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
  capture: (ep) => (endpoints.capturing(ep.name) ? forwarders.capture(ep.name) : undefined),
});
const invoker: EndpointInvoker = {
  invokeEndpoint(req: InvocationRequest, ctx: RequestContext) {
    if (!endpoints.get(req.endpointName)) return Promise.reject(new HandOffError(`endpoint ${req.endpointName} is answered by the main server`));
    return router.invokeEndpoint(req, ctx);
  },
};
const flush = (): void => {
  const { batches, served, offers } = forwarders.take();
  if (batches.length > 0) send({ t: 'metrics', batches, served });
  if (offers.length > 0) send({ t: 'capture', offers });
};
const flushTimer = setInterval(flush, 200);

// Requests it does not answer: to the main server, as they came.
const toMain = new Agent({ keepAlive: true, maxSockets: 256 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
function proxy(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !hopByHop.has(k)) headers[k] = v;
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
const fast = createRuntimeFastRoute(
  {
    keys: credentials,
    tokens: credentials,
    authorize: async (p: Principal, action: string, resource: string) => authorize(p, await credentials.policiesOf(p.userName), action, resource),
    partition: settings.partition,
    invoker: () => invoker,
  },
  log,
  handOff,
);
const hostOk = hostAllowed(settings.allowedHosts, settings.boundHost);
const server = createServer((req, res) => {
  if (hostOk(req.headers.host) && fast(req, res, requestIdOf(req))) return;
  proxy(req, res);
});
server.keepAliveTimeout = settings.keepAliveTimeoutMs;

let closing = false;
process.on('message', (m: MainToWorker, handle?: Socket) => {
  switch (m.t) {
    case 'connection': {
      if (!handle) return;
      if (closing) {
        handle.destroy();
        return;
      }
      handle.pause();
      if (m.head.length > 0) handle.unshift(Buffer.from(m.head, 'latin1'));
      server.emit('connection', handle);
      handle.resume();
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
      void close(m.graceMs);
      return;
  }
});

async function close(graceMs: number): Promise<void> {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(0), graceMs);
  force.unref();
  server.close(() => {
    clearInterval(flushTimer);
    flush();
    process.exit(0);
  });
  server.closeIdleConnections();
}
// The main server went away: so does its worker.
process.on('disconnect', () => void close(1000));
send({ t: 'ready' });

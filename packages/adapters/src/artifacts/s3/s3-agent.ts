import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';

/**
 * A request to the backend that moved no byte for the idle limit. Our own error, so the store tells it from the SDK's
 * connection timeout by its type, not by the SDK's wording (both of the SDK's are a bare `TimeoutError`). `name` and
 * `code` are those the SDK retries a timeout on.
 */
export class BackendIdleTimeout extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(readonly idleTimeoutMs: number) {
    super(`No byte moved to or from the S3 backend for ${idleTimeoutMs} ms.`);
  }
}

/**
 * A connection to the backend that did not open within the connect limit (a backend down, a dropped route). Ours, so
 * the store tells it from the wait for a pooled connection by its type. Retried as the SDK retries a timeout.
 */
export class BackendConnectTimeout extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(readonly connectTimeoutMs: number) {
    super(`No connection to the S3 backend opened within ${connectTimeoutMs} ms.`);
  }
}

/**
 * A request that waited the socket-wait limit for one of the pool's connections, all `maxSockets` of them busy: the
 * backend may be fine, the store's own pool is full (slow answers, bodies read slowly). Retried as a timeout.
 */
export class BackendSocketWaitTimeout extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly socketWaitTimeoutMs: number,
    readonly maxSockets: number,
  ) {
    super(`Waited ${socketWaitTimeoutMs} ms for a free connection to the S3 backend; all ${maxSockets} were busy.`);
  }
}

/** The limits the store's connection pools hold each request to (S3ArtifactStoreOptions). */
export interface BackendLimits {
  readonly connectTimeoutMs: number;
  readonly socketWaitTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxSockets: number;
}

export interface BackendAgents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
}

/**
 * The connection pools of one store (keep-alive, at most `maxSockets` connections per backend, as the SDK's own). The
 * pools hold each request to three limits, each failing it with the store's own error (the SDK's connection timeout is
 * off, so none is told by the SDK's wording):
 * - the wait for one of the pool's connections when all `maxSockets` are busy (BackendSocketWaitTimeout);
 * - the opening of a new connection (BackendConnectTimeout);
 * - each socket's inactivity (BackendIdleTimeout): a busy socket that times out is destroyed, which fails its request;
 *   a pooled free one is closed by Node's agent. An object's body switches it off while it is read (s3-body-stall.ts);
 *   each request sets it again when it is given a socket.
 * Before, the SDK's one connection timeout ran from the request's start to its connection, and so bounded both the wait
 * for the pool and the connection together: a request that waited for the pool had only what was left to connect.
 */
export function backendAgents(limits: BackendLimits): BackendAgents {
  const common = { keepAlive: true, maxSockets: limits.maxSockets, timeout: limits.idleTimeoutMs };
  const httpAgent = new HttpAgent(common);
  const httpsAgent = new HttpsAgent(common);
  for (const agent of [httpAgent, httpsAgent]) {
    limitEachConnection(agent, limits);
    limitEachRequest(agent, limits);
  }
  return { httpAgent, httpsAgent };
}

function limitEachConnection(agent: HttpAgent, { connectTimeoutMs, idleTimeoutMs }: BackendLimits): void {
  const create = agent.createConnection.bind(agent);
  // createConnection is the hook Node's agent documents for its sockets; only new sockets pass through it.
  agent.createConnection = ((opts: object, callback?: Parameters<typeof create>[1]) => {
    // The inactivity timeout starts at the connection: until then the connect limit counts.
    const socket = create({ ...opts, timeout: undefined }, callback) as Socket;
    const connecting = setTimeout(() => socket.destroy(new BackendConnectTimeout(connectTimeoutMs)), connectTimeoutMs);
    socket.once('close', () => clearTimeout(connecting));
    socket.once('connect', () => {
      clearTimeout(connecting);
      socket.setTimeout(idleTimeoutMs);
    });
    socket.on('timeout', () => {
      // A free socket in the pool timed out: Node's agent closes it, no request is waiting on it.
      const free = Object.values(agent.freeSockets).some((list) => list?.includes(socket));
      if (!free) socket.destroy(new BackendIdleTimeout(idleTimeoutMs));
    });
    return socket;
  }) as typeof agent.createConnection;
}

/**
 * Holds each request to the socket-wait limit and sets the idle limit on its socket. A request that all `maxSockets`
 * busy connections keep waiting in the agent's queue past the limit is failed with BackendSocketWaitTimeout: destroyed
 * (Node's agent hands the connection it would have had to the next request) and its error emitted at once, since Node
 * emits a queued request's error only when a connection frees up, which on a hung backend is the idle limit later.
 * Sets the idle limit on the socket of each request. Node's agent sets a socket's timeout when it opens it and when it
 * puts it back in the free pool, not when it gives it to the next request: a socket handed straight to a request that
 * waited for the pool (all `maxSockets` busy) kept 0 (Node clears it at each answer's end, a body at its start), so that
 * request waited forever on a hung backend; one taken from the free pool kept the free-socket timeout, which a
 * backend's `Keep-Alive: timeout=N` hint shortens to N - 1 s. `addRequest` is where every request of the agent passes.
 */
function limitEachRequest(agent: HttpAgent, { socketWaitTimeoutMs, idleTimeoutMs, maxSockets }: BackendLimits): void {
  const hooked = agent as HttpAgent & { addRequest(req: ClientRequest, options: object): void };
  const addRequest = hooked.addRequest.bind(agent);
  hooked.addRequest = (req, options) => {
    // A request given a connection (free, or a new one) has it on the next tick; one that waits for the pool, later.
    const waiting = setTimeout(() => {
      const error = new BackendSocketWaitTimeout(socketWaitTimeoutMs, maxSockets);
      req.destroy(error);
      // Node emits the error again when a connection frees up and reaches this destroyed request.
      req.on('error', () => {});
      req.emit('error', error);
    }, socketWaitTimeoutMs);
    req.once('close', () => clearTimeout(waiting));
    // A socket still connecting gets the limit at its connection (createConnection above).
    req.once('socket', (socket: Socket) => {
      clearTimeout(waiting);
      if (!socket.connecting) socket.setTimeout(idleTimeoutMs);
    });
    addRequest(req, options);
  };
}

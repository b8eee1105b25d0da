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

export interface BackendAgents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
}

/**
 * The connection pools of one store (keep-alive, at most `maxSockets` connections per backend, as the SDK's own). Each
 * socket's inactivity timeout is the idle limit: a busy socket that times out is destroyed with BackendIdleTimeout,
 * which fails its request; a pooled free one is closed by Node's agent. An object's body switches it off while it is
 * read (s3-body-stall.ts); each request sets it again when it is given a socket.
 */
export function backendAgents(options: { readonly idleTimeoutMs: number; readonly maxSockets: number }): BackendAgents {
  const common = { keepAlive: true, maxSockets: options.maxSockets, timeout: options.idleTimeoutMs };
  const httpAgent = new HttpAgent(common);
  const httpsAgent = new HttpsAgent(common);
  for (const agent of [httpAgent, httpsAgent]) {
    failIdleSockets(agent, options.idleTimeoutMs);
    limitEachRequest(agent, options.idleTimeoutMs);
  }
  return { httpAgent, httpsAgent };
}

function failIdleSockets(agent: HttpAgent, idleTimeoutMs: number): void {
  const create = agent.createConnection.bind(agent);
  // createConnection is the hook Node's agent documents for its sockets; only new sockets pass through it.
  agent.createConnection = ((opts: object, callback?: Parameters<typeof create>[1]) => {
    // The inactivity timeout starts at the connection: until then the SDK's connection timeout counts.
    const socket = create({ ...opts, timeout: undefined }, callback) as Socket;
    socket.once('connect', () => socket.setTimeout(idleTimeoutMs));
    socket.on('timeout', () => {
      // A free socket in the pool timed out: Node's agent closes it, no request is waiting on it.
      const free = Object.values(agent.freeSockets).some((list) => list?.includes(socket));
      if (!free) socket.destroy(new BackendIdleTimeout(idleTimeoutMs));
    });
    return socket;
  }) as typeof agent.createConnection;
}

/**
 * Sets the idle limit on the socket of each request. Node's agent sets a socket's timeout when it opens it and when it
 * puts it back in the free pool, not when it gives it to the next request: a socket handed straight to a request that
 * waited for the pool (all `maxSockets` busy) kept 0 (Node clears it at each answer's end, a body at its start), so that
 * request waited forever on a hung backend; one taken from the free pool kept the free-socket timeout, which a
 * backend's `Keep-Alive: timeout=N` hint shortens to N - 1 s. `addRequest` is where every request of the agent passes.
 */
function limitEachRequest(agent: HttpAgent, idleTimeoutMs: number): void {
  const hooked = agent as HttpAgent & { addRequest(req: ClientRequest, options: object): void };
  const addRequest = hooked.addRequest.bind(agent);
  hooked.addRequest = (req, options) => {
    // A socket still connecting gets the limit at its connection (createConnection above).
    req.once('socket', (socket: Socket) => {
      if (!socket.connecting) socket.setTimeout(idleTimeoutMs);
    });
    addRequest(req, options);
  };
}

import { Agent as HttpAgent } from 'node:http';
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
 * read (s3-body-stall.ts) and the agent sets it again when the socket comes back to the pool.
 */
export function backendAgents(options: { readonly idleTimeoutMs: number; readonly maxSockets: number }): BackendAgents {
  const common = { keepAlive: true, maxSockets: options.maxSockets, timeout: options.idleTimeoutMs };
  const httpAgent = new HttpAgent(common);
  const httpsAgent = new HttpsAgent(common);
  for (const agent of [httpAgent, httpsAgent]) failIdleSockets(agent, options.idleTimeoutMs);
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

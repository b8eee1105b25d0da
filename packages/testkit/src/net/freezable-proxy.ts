import { createServer, connect, type Socket } from 'node:net';

/** A TCP proxy in front of a server that can stop passing bytes and later pass them on, as a SIGSTOPped or unreachable-but-open PostgreSQL does. */
export interface FreezableProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Holds every byte (and every close) in both directions; connections stay open, new ones are accepted. */
  freeze(): void;
  /**
   * Holds the bytes (and closes) of the connections open now only, as a network path that dropped one
   * connection's packets does; connections opened later pass bytes as before.
   */
  freezeOpen(): void;
  /**
   * Of the connections freezeOpen froze: delivers what was held on its way to the server, in order, and
   * passes bytes that way again, while answers stay held (a network path that came back one way only).
   */
  thawToServer(): void;
  /** Delivers what was held, in order, and passes bytes on again. */
  thaw(): void;
  close(): Promise<void>;
}

export interface FreezableProxyOptions {
  /**
   * Awaited for each connection accepted before it is connected on to the server (its client's bytes
   * wait meanwhile): a test delays a chosen connection with it.
   */
  readonly beforeConnect?: () => Promise<void> | void;
}

interface Direction {
  frozen: boolean;
  held: Array<() => void>;
}

/** Starts a proxy on 127.0.0.1:0 to `host:port`. */
export async function startFreezableProxy(host: string, port: number, options: FreezableProxyOptions = {}): Promise<FreezableProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  /** Each open connection's two directions (to the server, to the client), each frozen on its own by freezeOpen. */
  const connections = new Set<{ readonly toServer: Direction; readonly toClient: Direction; closed: boolean }>();
  /** A closed connection is forgotten once nothing of it is held (its held bytes and close still go on at a thaw). */
  const forget = () => {
    for (const c of connections) if (c.closed && c.toServer.held.length === 0 && c.toClient.held.length === 0) connections.delete(c);
  };
  const release = (d: Direction) => {
    d.frozen = false;
    const actions = d.held;
    d.held = [];
    for (const a of actions) a();
  };
  const open = async (downstream: Socket) => {
    sockets.add(downstream);
    downstream.on('error', () => undefined);
    downstream.on('close', () => sockets.delete(downstream));
    await options.beforeConnect?.();
    if (downstream.destroyed) return;
    const upstream = connect(port, host);
    const connection = { toServer: { frozen: false, held: [] }, toClient: { frozen: false, held: [] }, closed: false };
    connections.add(connection);
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        connection.closed = true;
        forget();
      });
      s.on('error', () => undefined);
    }
    const forward = (from: Socket, to: Socket, d: Direction) => {
      // Held in the direction's own queue: what a frozen proxy held goes on in order, per direction.
      const pass = (action: () => void) => (frozen || d.frozen ? d.held.push(action) : action());
      from.on('data', (chunk) => pass(() => to.write(chunk)));
      from.on('end', () => pass(() => to.end()));
      from.on('close', () => pass(() => to.destroySoon()));
    };
    forward(downstream, upstream, connection.toServer);
    forward(upstream, downstream, connection.toClient);
  };
  const server = createServer((downstream) => void open(downstream));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      frozen = true;
    },
    freezeOpen: () => {
      for (const c of connections) c.toServer.frozen = c.toClient.frozen = true;
    },
    thawToServer: () => {
      for (const c of connections) release(c.toServer);
      forget();
    },
    thaw: () => {
      frozen = false;
      for (const c of connections) {
        release(c.toServer);
        release(c.toClient);
      }
      forget();
    },
    close: async () => {
      frozen = false;
      for (const c of connections) c.toServer.held = c.toClient.held = [];
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

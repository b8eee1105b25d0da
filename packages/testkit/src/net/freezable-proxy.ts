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
  /** Delivers what was held, in order, and passes bytes on again. */
  thaw(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1:0 to `host:port`. */
export async function startFreezableProxy(host: string, port: number): Promise<FreezableProxy> {
  let frozen = false;
  let held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  /** Whether each open connection is frozen on its own (freezeOpen). */
  const connections = new Set<{ frozen: boolean }>();
  const server = createServer((downstream) => {
    const upstream = connect(port, host);
    const connection = { frozen: false };
    connections.add(connection);
    const pass = (action: () => void) => (frozen || connection.frozen ? held.push(action) : action());
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        connections.delete(connection);
      });
      s.on('error', () => undefined);
    }
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => pass(() => to.write(chunk)));
      from.on('end', () => pass(() => to.end()));
      from.on('close', () => pass(() => to.destroySoon()));
    };
    forward(downstream, upstream);
    forward(upstream, downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      frozen = true;
    },
    freezeOpen: () => {
      for (const c of connections) c.frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const c of connections) c.frozen = false;
      const actions = held;
      held = [];
      for (const a of actions) a();
    },
    close: async () => {
      frozen = false;
      held = [];
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

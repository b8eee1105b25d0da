import { createServer } from 'node:net';

/** A loopback TCP port nothing listens on right now (bound, then released): for a private server, or a refused connection. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

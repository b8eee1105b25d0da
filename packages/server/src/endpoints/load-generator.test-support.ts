import { Agent, request } from 'node:http';

/** One answered request of a load run. */
export interface Shot {
  readonly start: number;
  readonly end: number;
  readonly status: number;
  readonly variant?: string;
  readonly body: string;
}

/**
 * A bounded loopback load: `connections` keep-alive clients, each sending the next request as soon as
 * the previous one answered, paced so the total stays near `rate` per second. Stops on `stop()`.
 */
export function startLoad(url: string, token: string, body: string, o: { connections: number; rate: number; timeoutMs?: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const shots: Shot[] = [];
  let running = true;
  const u = new URL(url);
  const interval = (1000 * o.connections) / o.rate;
  const one = () => new Promise<Shot>((resolve) => {
    const start = Date.now();
    const r = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const v = res.headers['x-amzn-invoked-production-variant'];
        resolve({ start, end: Date.now(), status: res.statusCode ?? 0, ...(typeof v === 'string' ? { variant: v } : {}), body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    r.setTimeout(o.timeoutMs ?? 10_000, () => r.destroy(new Error('client timeout')));
    r.on('error', (e) => resolve({ start, end: Date.now(), status: 0, body: e.message }));
    r.end(body);
  });
  const loops = Array.from({ length: o.connections }, async (_, k) => {
    await new Promise((r) => setTimeout(r, (k * interval) / o.connections));
    while (running) {
      const t0 = Date.now();
      shots.push(await one());
      const wait = interval - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  });
  return {
    shots,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return shots;
    },
  };
}

/** Share of answers from `variant` among the requests that started in [from, to). */
export function shareOf(shots: readonly Shot[], variant: string, from: number, to: number): { share: number; n: number } {
  const inWindow = shots.filter((s) => s.start >= from && s.start < to && s.status === 200);
  return { share: inWindow.filter((s) => s.variant === variant).length / Math.max(1, inWindow.length), n: inWindow.length };
}

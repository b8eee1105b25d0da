import type { FastifyInstance } from 'fastify';

export interface HealthCheck {
  readonly name: string;
  readonly ping: (options: { signal: AbortSignal }) => Promise<void>;
}

/**
 * `GET /healthz`, without authentication: 200 `{"status":"ok"}` only when every store answers within
 * the timeout; 503 naming the ones that did not otherwise.
 */
export function registerHealthRoutes(app: FastifyInstance, checks: readonly HealthCheck[], timeoutMs = 2000): void {
  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          await Promise.race([
            c.ping({ signal }),
            new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true })),
          ]);
          return [c.name, 'ok'] as const;
        } catch (e) {
          return [c.name, e instanceof Error ? e.message : 'failed'] as const;
        }
      }),
    );
    const failing = results.filter(([, r]) => r !== 'ok');
    if (failing.length === 0) return reply.code(200).send({ status: 'ok' });
    return reply.code(503).send({ status: 'unavailable', checks: Object.fromEntries(results) });
  });
}

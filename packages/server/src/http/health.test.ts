import { describe, expect, it } from 'vitest';
import { openTestLoam } from '../compose/loam.test-support.js';

describe('GET /healthz', () => {
  it('answers 200 {"status":"ok"} without credentials while the stores answer, 503 naming the store once one does not', async () => {
    const loam = await openTestLoam();
    try {
      const ok = await loam.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'localhost' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ status: 'ok' });
      await loam.platform.store.close();
      const down = await loam.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'localhost' } });
      expect(down.statusCode).toBe(503);
      expect(down.json().status).toBe('unavailable');
      expect(down.json().checks.metadata).not.toBe('ok');
      expect(down.json().checks.artifacts).toBe('ok');
    } finally {
      await loam.app.close();
    }
  });
});

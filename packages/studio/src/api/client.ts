import { createLoamClient, type LoamClient } from '@loam/sdk';
import { createActivityLog } from './activity-log.js';
import { readCookie } from './cookies.js';

/** Every API call this tab makes, for the activity log viewer. */
export const activityLog = createActivityLog();

const tracedFetch: typeof fetch = async (input, init) => {
  const started = performance.now();
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, window.location.origin);
  const method = (init?.method ?? 'GET').toUpperCase();
  const record = (status: number | 'failed' | 'cancelled') =>
    activityLog.add({ at: Date.now(), method, path: url.pathname, status, ms: Math.round(performance.now() - started) });
  try {
    const res = await fetch(input, init);
    record(res.status);
    return res;
  } catch (e) {
    // Aborts are Studio's own doing (a page left, a query superseded), not failures.
    record((e as Error)?.name === 'AbortError' ? 'cancelled' : 'failed');
    throw e;
  }
};

/**
 * The one Loam client Studio uses: same origin, the session cookie travels, and unsafe calls echo the
 * `loam_csrf` cookie in `X-CSRF-Token` (double submit) so another site's page cannot act for the user.
 */
export const loam: LoamClient = createLoamClient({
  endpoint: window.location.origin,
  credentials: 'include',
  csrfToken: () => readCookie('loam_csrf'),
  fetch: tracedFetch,
});

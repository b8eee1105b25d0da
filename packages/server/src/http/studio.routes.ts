import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

export interface StudioRoutesOptions {
  /** The built Studio: `packages/studio/dist` (made by `npm run build`). */
  readonly distDir: string;
}

/** Paths that belong to the server, never to the single-page app: they keep their 404 problem+json. */
const serverPaths = /^\/(api|ajax-api|auth|healthz)(\/|$)/;

const missingBuild = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loam Studio is not built</title></head>
<body><main><h1>Loam Studio is not built yet</h1><p>The API is running, but the web app has not been built. Run <code>npm run build</code> in the Loam folder, then reload this page.</p><p>Health: <a href="/healthz">/healthz</a>. API: <code>/api/v1</code>.</p></main></body></html>`;

/**
 * Studio's document policy: scripts only from Loam's own origin (the built bundle; no inline script,
 * event handler or `javascript:` URL), requests only to its own API, no plugins, no `<base>`. Markup a
 * stored name, tag or log line smuggled into the page could then run nothing even if some rendering
 * failed to escape it. Styles may be inline (Mantine and Recharts set style attributes); images may be
 * data: or blob: URLs (charts, downloads). No `eval`: Studio's code evaluates no text (the browser tests
 * poll with `page.evaluate`, which the policy does not govern, not with `waitForFunction`).
 */
export const STUDIO_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves Loam Studio at `/`: files from `distDir` when they exist (hashed assets cached for a year),
 * otherwise `index.html` so the app's own router handles deep links like `/users/ana`. API, auth and
 * health paths are left to their routes and to the problem+json 404. If Studio has not been built,
 * `/` answers a short page saying how to build it. The dist directory is looked at per request, so a
 * rebuild is picked up without a restart.
 */
export function registerStudioRoutes(app: FastifyInstance, options: StudioRoutesOptions): void {
  const root = normalize(options.distDir);
  void app.register(fastifyStatic, { root, serve: false, decorateReply: true });

  const sendIndex = (reply: FastifyReply) => {
    const index = join(root, 'index.html');
    void reply.header('content-security-policy', STUDIO_CSP);
    if (!isFile(index)) return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(missingBuild);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
  };

  app.get('/', async (_req, reply) => sendIndex(reply));
  app.get('/*', async (req, reply) => {
    const path = `/${(req.params as Record<string, string | undefined>)['*'] ?? ''}`;
    if (serverPaths.test(path)) return reply.callNotFound();
    const rel = normalize(path).replace(/^[/\\]+/, '');
    const file = join(root, rel);
    // The path guard has already refused dot segments; this keeps the check next to the file read too.
    if ((file === root || file.startsWith(root.endsWith(sep) ? root : root + sep)) && rel !== '' && isFile(file)) {
      const hashed = rel.startsWith(`assets${sep}`) || rel.startsWith('assets/');
      return reply.sendFile(rel, root, hashed ? { maxAge: '365d', immutable: true } : { cacheControl: false });
    }
    // A missing asset is a real 404; anything else is a Studio route.
    if (/\.[a-z0-9]{1,8}$/i.test(rel) && !rel.endsWith('.html')) return reply.callNotFound();
    return sendIndex(reply);
  });
}

/** True when a built Studio exists in `distDir` (for `loam doctor` and the startup banner). */
export function studioBuilt(distDir: string): boolean {
  return existsSync(join(distDir, 'index.html'));
}

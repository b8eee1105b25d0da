import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ifRangeDateHolds } from './if-range-date.js';
import { PrecompressedCopies } from './studio-precompressed.js';

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
 * How long a browser may keep each of Studio's files: a file under `assets/` has its content's hash in its name (Vite's
 * `index-<hash>.js`), so it never changes and is kept a year without asking again; any other file (`index.html`,
 * `session-early.js`, `favicon.svg`) keeps its name across versions, so it is asked for again each time it is used and
 * answered 304 by its ETag while unchanged. (Without a Cache-Control, a browser keeps a file by heuristic, for a tenth
 * of its age since Last-Modified: an old Studio's `session-early.js` could outlive an upgrade.)
 */
export const studioCacheControl = (rel: string): string => (/^assets[/\\]/.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache');

/** The codings Studio's build writes copies in (`x.js.br`, `x.js.gz`), in the order preferred when a browser takes both. */
const studioCodings = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;

/**
 * How much a request's Accept-Encoding takes `coding` (RFC 9110 §12.5.3): the weight of its own entry (`x-gzip` is
 * gzip), else that of `*`, else 0; `named` when it has its own entry. Names are case-insensitive; an entry with `q=0`
 * refuses the coding, also when `*` would take it (`gzip;q=0, *` takes brotli, never gzip); a weight that is no number
 * from 0 to 1 (`q=2`) takes nothing.
 */
function acceptedWeight(acceptEncoding: string, coding: string): { readonly weight: number; readonly named: boolean } {
  let own: number | undefined;
  let any: number | undefined;
  for (const entry of acceptEncoding.split(',')) {
    const [name = '', ...params] = entry.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => /^q\s*=/.test(p))?.replace(/^q\s*=\s*/, '');
    const weight = q === undefined ? 1 : /^(?:0(?:\.\d*)?|1(?:\.0*)?)$/.test(q) ? Number(q) : 0;
    if (name === coding || (coding === 'gzip' && name === 'x-gzip')) own = Math.max(own ?? 0, weight);
    else if (name === '*') any = weight;
  }
  return { weight: own ?? any ?? 0, named: own !== undefined };
}

/**
 * Which of `file`'s compressed copies to send for a request's Accept-Encoding: of the codings it takes (weight above
 * 0) whose copy is there and still holds the file (`copies`: one the build wrote, not one left stale by an edit of the
 * file since), the most wanted; on a tie one the header names before one only `*` takes, brotli before gzip among
 * named ones and gzip first for `*` (what any client decodes, as @fastify/static reads `*`). None, so the file as it
 * is, without the header or when it takes no copy there is.
 */
export async function studioCoding(acceptEncoding: string | undefined, file: string, copies: PrecompressedCopies): Promise<'br' | 'gzip' | undefined> {
  if (!acceptEncoding) return undefined;
  const offered = studioCodings.map(([coding, ext], i) => ({ coding, ext, ...acceptedWeight(acceptEncoding, coding), order: i }));
  offered.sort((a, b) => b.weight - a.weight || Number(b.named) - Number(a.named) || (a.named ? a.order - b.order : b.order - a.order));
  for (const o of offered) if (o.weight > 0 && (await copies.matches(file, o.ext, o.coding))) return o.coding;
  return undefined;
}

/**
 * A Range to leave unanswered, so the whole file is sent (200), under If-Range (RFC 9110 §13.1.5), given the sent
 * file's mtime (`modifiedMs`, which send's Last-Modified states to the second) and the time now. An entity tag never
 * holds: If-Range takes only the strong comparison, and every ETag sent here is weak (`W/"<size>-<mtime>"`,
 * @fastify/send's). A date holds only when it is exactly the Last-Modified (send took any date at or after it: a file
 * changed back to an older mtime, or one read at some later time, was answered with a piece of another version), and
 * only when that Last-Modified is a strong validator (§8.8.2.2): never within its own second, when the file may yet
 * change again under the same Last-Modified. A date not in GMT (asctime's form, or none) holds not either.
 */
export function rangeRefusedByIfRange(ifRange: string | readonly string[] | undefined, modifiedMs: number, nowMs = Date.now()): boolean {
  if (ifRange === undefined) return false;
  const value = String(ifRange).trim();
  return value.includes('"') || !ifRangeDateHolds(value, modifiedMs, nowMs);
}

/** The mtime of the file @fastify/static sends for `rel` in `coding` (its copy `x.js.br` / `x.js.gz`), or NaN. */
function sentModified(root: string, rel: string, coding: 'br' | 'gzip' | undefined): number {
  const ext = studioCodings.find(([c]) => c === coding)?.[1] ?? '';
  try {
    return statSync(join(root, rel + ext)).mtimeMs;
  } catch {
    return Number.NaN;
  }
}

/**
 * Serves Loam Studio at `/`: files from `distDir` when they exist (cached as `studioCacheControl` says), otherwise
 * `index.html` so the app's own router handles deep links like `/users/ana`. API, auth and health paths are left to their
 * routes and to the problem+json 404. If Studio has not been built, `/` answers a short page saying how to build it. The
 * dist directory is looked at per request, so a rebuild is picked up without a restart.
 *
 * A file is sent compressed when the build wrote a compressed copy beside it (`x.js.br`, `x.js.gz`: Studio's Vite build
 * does, each one smaller than the one before, so each coding has its own Content-Length and ETag), the copy still
 * holds the file (checked once per version of the two: `PrecompressedCopies`) and the request's Accept-Encoding takes
 * it (`studioCoding`, brotli first); otherwise as it is. Every answer varies by Accept-Encoding; a Range is of the
 * bytes sent (the compressed ones when compressed), and is answered whole under an If-Range naming an ETag or any
 * date but the sent file's Last-Modified (`rangeRefusedByIfRange`).
 */
export function registerStudioRoutes(app: FastifyInstance, options: StudioRoutesOptions): void {
  const root = normalize(options.distDir);
  // Cache-Control is set here per file, not by send: @fastify/static drops a sendFile's options when it falls back
  // from a compressed copy that is not there to the file itself.
  void app.register(fastifyStatic, { root, serve: false, decorateReply: true, preCompressed: true, cacheControl: false });

  // @fastify/static's own choice of a copy reads `*` as gzip even where the header refuses gzip (`gzip;q=0, *`) and
  // tries deflate, which the build never writes: the request is given only the coding chosen here (or none), which
  // @fastify/static then sends.
  const copies = new PrecompressedCopies();
  const sendStudioFile = async (req: FastifyRequest, reply: FastifyReply, rel: string) => {
    const coding = await studioCoding(req.headers['accept-encoding'], join(root, rel), copies);
    if (coding) req.headers['accept-encoding'] = coding;
    else delete req.headers['accept-encoding'];
    const ifRange = req.headers['if-range'];
    if (ifRange !== undefined && req.headers.range !== undefined && rangeRefusedByIfRange(ifRange, sentModified(root, rel, coding))) delete req.headers.range;
    return reply.header('cache-control', studioCacheControl(rel)).header('vary', 'accept-encoding').sendFile(rel, root);
  };

  const sendIndex = (req: FastifyRequest, reply: FastifyReply) => {
    const index = join(root, 'index.html');
    void reply.header('content-security-policy', STUDIO_CSP);
    if (!isFile(index)) return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(missingBuild);
    return sendStudioFile(req, reply, 'index.html');
  };

  // A Range past the end of a file (or an If-Match it fails) is refused by send with its own status, which the app's
  // error handler would answer as a 400: say 416 (with the size sent, in Content-Range) or 412 instead.
  const errorHandler = (error: FastifyError & { headers?: Record<string, string> }, req: FastifyRequest, reply: FastifyReply) => {
    if (error.statusCode !== 416 && error.statusCode !== 412) return app.errorHandler(error, req, reply);
    const range = error.headers?.['Content-Range'];
    const [code, title] = error.statusCode === 416 ? ['InvalidRange', 'Range not satisfiable'] : ['PreconditionFailed', 'Precondition failed'];
    const detail = error.statusCode === 416 ? `The requested range is not satisfiable: the file sent is ${range?.replace(/^bytes \*\//, '') ?? 'shorter'} bytes long.` : 'The file does not match the If-Match header.';
    if (range) void reply.header('content-range', range);
    return reply.code(error.statusCode).type('application/problem+json').send({ type: `https://loam.dev/errors/${code}`, title, status: error.statusCode, code, detail, requestId: req.id });
  };

  app.get('/', { errorHandler }, async (req, reply) => sendIndex(req, reply));
  app.get('/*', { errorHandler }, async (req, reply) => {
    const path = `/${(req.params as Record<string, string | undefined>)['*'] ?? ''}`;
    if (serverPaths.test(path)) return reply.callNotFound();
    const rel = normalize(path).replace(/^[/\\]+/, '');
    const file = join(root, rel);
    // The path guard has already refused dot segments; this keeps the check next to the file read too.
    if ((file === root || file.startsWith(root.endsWith(sep) ? root : root + sep)) && rel !== '' && isFile(file)) return sendStudioFile(req, reply, rel);
    // A missing asset is a real 404; anything else is a Studio route.
    if (/\.[a-z0-9]{1,8}$/i.test(rel) && !rel.endsWith('.html')) return reply.callNotFound();
    return sendIndex(req, reply);
  });
}

/** True when a built Studio exists in `distDir` (for `loam doctor` and the startup banner). */
export function studioBuilt(distDir: string): boolean {
  return existsSync(join(distDir, 'index.html'));
}

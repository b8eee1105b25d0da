import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from './build-app.js';
import { rangeRefusedByIfRange, registerStudioRoutes } from './studio.routes.js';

// The Studio routes sent a `.br`/`.gz` copy whenever one lay beside a file: a dist/index.html edited after the build
// was sent as the build's page to every browser that takes brotli or gzip. And an If-Range naming a weak ETag got a
// 206 of the bytes asked for, though If-Range holds only under the strong comparison (RFC 9110 §13.1.5); so did an
// If-Range date at or after Last-Modified, though a date holds only when it is exactly Last-Modified.

const page = (n: number) => `<!doctype html><html><body><div id="root"></div>${'<p>Loam Studio</p>'.repeat(50)}<!-- v${n} --></body></html>`;

describe('Studio compressed copies and If-Range', () => {
  let dist: string;
  let app: FastifyInstance;
  let port: number;

  /** A GET over a real connection (node:http: no decoding, headers as sent). */
  const get = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host: 'localhost', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'studio-stale-'));
    build(1);
    app = buildHttpApp({ logger: false, allowedHosts: ['localhost'], boundHost: '127.0.0.1', bodyLimit: 1024 });
    registerStudioRoutes(app, { distDir: dist });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  /** The build's page and its copies. */
  const build = (n: number) => {
    writeFileSync(join(dist, 'index.html'), page(n));
    writeFileSync(join(dist, 'index.html.br'), brotliCompressSync(page(n)));
    writeFileSync(join(dist, 'index.html.gz'), gzipSync(page(n)));
  };

  it('sends a file edited after the build as it is, not its stale compressed copy, from the next request on', async () => {
    build(1);
    const before = await get('/', { 'accept-encoding': 'br, gzip' });
    expect([before.status, before.headers['content-encoding']]).toEqual([200, 'br']);
    // Edited by hand, with the same length, and its times set back before the copies': neither tells it apart.
    writeFileSync(join(dist, 'index.html'), page(2));
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(dist, 'index.html'), past, past);
    for (const accept of ['br, gzip', 'gzip', '*']) {
      const r = await get('/', { 'accept-encoding': accept });
      expect([accept, r.status, r.headers['content-encoding'], r.body.toString()]).toEqual([accept, 200, undefined, page(2)]);
    }
    // A rebuild writes copies of the new page again: they are sent.
    writeFileSync(join(dist, 'index.html.br'), brotliCompressSync(page(2)));
    const rebuilt = await get('/users/ana', { 'accept-encoding': 'br, gzip' });
    expect([rebuilt.status, rebuilt.headers['content-encoding']]).toEqual([200, 'br']);
    // The gzip copy is still the old page's: not sent.
    const gz = await get('/', { 'accept-encoding': 'gzip' });
    expect([gz.headers['content-encoding'], gz.body.toString()]).toEqual([undefined, page(2)]);
  });

  it('answers a Range under an If-Range naming a weak ETag with the whole file', async () => {
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    utimesSync(join(dist, 'index.html'), past, past);
    const whole = await get('/index.html', {});
    const etag = String(whole.headers.etag);
    expect(etag.startsWith('W/"')).toBe(true);
    // Without If-Range, or with the file's own Last-Modified, the range.
    expect((await get('/index.html', { range: 'bytes=0-9' })).status).toBe(206);
    const dated = await get('/index.html', { range: 'bytes=0-9', 'if-range': String(whole.headers['last-modified']) });
    expect([dated.status, dated.body.toString()]).toEqual([206, whole.body.subarray(0, 10).toString()]);
    // The file's own (weak) ETag, and the same tag written strong: neither matches strongly, so all of it.
    for (const ifRange of [etag, etag.slice(2)]) {
      const r = await get('/index.html', { range: 'bytes=0-9', 'if-range': ifRange });
      expect([ifRange, r.status, r.headers['content-range'], r.body.equals(whole.body)]).toEqual([ifRange, 200, undefined, true]);
    }
  });

  it('answers a Range under an If-Range date with the whole file unless the date is exactly Last-Modified', async () => {
    // RFC 9110 §13.1.5: a date holds only when it exactly matches Last-Modified. send took any date at or after it.
    const modified = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    utimesSync(join(dist, 'index.html'), new Date(modified), new Date(modified));
    const whole = await get('/index.html', {});
    expect(whole.headers['last-modified']).toBe(new Date(modified).toUTCString());
    const at = (ms: number) => new Date(ms).toUTCString();
    for (const ifRange of [at(modified + 1000), at(Date.now()), at(modified - 1000), 'not a date', at(modified).replace(' GMT', '')]) {
      const r = await get('/index.html', { range: 'bytes=0-9', 'if-range': ifRange });
      expect([ifRange, r.status, r.headers['content-range'], r.body.equals(whole.body)]).toEqual([ifRange, 200, undefined, true]);
    }
    expect((await get('/index.html', { range: 'bytes=0-9', 'if-range': at(modified) })).status).toBe(206);
    // The date of the copy sent, not of the file: a brotli copy is its own file, with its own Last-Modified.
    utimesSync(join(dist, 'index.html.br'), new Date(modified - 60_000), new Date(modified - 60_000));
    const br = await get('/index.html', { 'accept-encoding': 'br', range: 'bytes=0-9', 'if-range': at(modified - 60_000) });
    expect([br.headers['content-encoding'], br.status]).toEqual(['br', 206]);
    const brByFile = await get('/index.html', { 'accept-encoding': 'br', range: 'bytes=0-9', 'if-range': at(modified) });
    expect([brByFile.headers['content-encoding'], brByFile.status]).toEqual(['br', 200]);
  });

  it('takes no If-Range date within its Last-Modified second as a strong validator', () => {
    // §8.8.2.2: while the clock is in the file's Last-Modified second, another change keeps the same Last-Modified.
    const modified = Date.parse('Sun, 29 Nov 2026 17:00:00 GMT') + 400;
    const lastModified = new Date(modified).toUTCString();
    expect(rangeRefusedByIfRange(lastModified, modified, modified + 500)).toBe(true);
    expect(rangeRefusedByIfRange(lastModified, modified, modified + 600)).toBe(false);
    expect(rangeRefusedByIfRange(undefined, modified, modified)).toBe(false);
  });
});

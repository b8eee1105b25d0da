import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '@loam/server/http/build-app';
import { registerStudioRoutes } from '@loam/server/http/studio.routes';

const indexHtml = '<!doctype html><html><body><div id="root"></div></body></html>';
/** A bundle, and the compressed copies Studio's build writes beside it (smaller each: brotli, then gzip). */
const bundle = Buffer.from(Array.from({ length: 400 }, (_, i) => `export const step${i} = () => console.log('step', ${i});\n`).join(''));
const bundleGz = gzipSync(bundle, { level: 9 });
const bundleBr = brotliCompressSync(bundle);

async function appFor(distDir: string): Promise<FastifyInstance> {
  const app = buildHttpApp({ logger: false, allowedHosts: ['localhost'], boundHost: '127.0.0.1', bodyLimit: 1024 });
  app.get('/api/v1/users', async () => ({ Users: [] }));
  registerStudioRoutes(app, { distDir });
  await app.ready();
  return app;
}

describe('Studio static routes', () => {
  let dist: string;
  let app: FastifyInstance;
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { host: 'localhost' } });

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'studio-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), indexHtml);
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
    writeFileSync(join(dist, 'session-early.js'), 'window.loamSessionAnswer = fetch("/auth/session");');
    writeFileSync(join(dist, 'assets', 'index-def456.js'), bundle);
    writeFileSync(join(dist, 'assets', 'index-def456.js.gz'), bundleGz);
    writeFileSync(join(dist, 'assets', 'index-def456.js.br'), bundleBr);
    writeFileSync(join(dist, 'assets', 'only-gz-1.js'), bundle);
    writeFileSync(join(dist, 'assets', 'only-gz-1.js.gz'), bundleGz);
    writeFileSync(join(dist, 'index.html.br'), brotliCompressSync(indexHtml));
    app = await appFor(dist);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / without caching it', async () => {
    const r = await get('/');
    expect([r.statusCode, r.body, r.headers['content-type']]).toEqual([200, indexHtml, 'text/html; charset=utf-8']);
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('answers deep links with index.html so the app router takes over', async () => {
    for (const path of ['/users/ana', '/policies/ReadOnlyAccess', '/tags?arn=arn:loam:iam::1:user/x']) {
      const r = await get(path);
      expect([path, r.statusCode, r.body]).toEqual([path, 200, indexHtml]);
    }
  });

  it('serves hashed assets as immutable and other files uncached', async () => {
    const js = await get('/assets/index-abc123.js');
    expect([js.statusCode, js.body]).toEqual([200, 'console.log(1)']);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await get('/favicon.svg');
    expect([icon.statusCode, icon.body]).toEqual([200, '<svg/>']);
  });

  it('has every file without a hash in its name asked for again, and answered 304 while unchanged', async () => {
    // session-early.js had no Cache-Control: browsers kept it by heuristic, an old Studio's after an upgrade.
    for (const path of ['/', '/index.html', '/users/ana', '/session-early.js', '/favicon.svg']) {
      const r = await get(path);
      expect([path, r.statusCode, r.headers['cache-control'], typeof r.headers.etag]).toEqual([path, 200, 'no-cache', 'string']);
      const again = await app.inject({ method: 'GET', url: path, headers: { host: 'localhost', 'if-none-match': String(r.headers.etag) } });
      expect([path, again.statusCode, again.body]).toEqual([path, 304, '']);
    }
    expect((await get('/session-early.js')).headers['content-type']).toBe('application/javascript; charset=utf-8');
    for (const path of ['/assets/index-abc123.js', '/assets/index-def456.js']) expect([path, (await get(path)).headers['cache-control']]).toEqual([path, 'public, max-age=31536000, immutable']);
  });

  describe('compression', () => {
    const getWith = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers: { host: 'localhost', ...headers } });

    it('sends the compressed copy the browser accepts, brotli first, with its own length and ETag', async () => {
      const sent = new Map<string, { etag: string; body: Buffer }>();
      for (const [accept, coding, body] of [
        ['gzip, deflate, br, zstd', 'br', bundleBr],
        ['gzip, deflate', 'gzip', bundleGz],
        ['br;q=0, gzip;q=0.5', 'gzip', bundleGz],
        ['*', 'gzip', bundleGz],
        ['identity', undefined, bundle],
        ['', undefined, bundle],
      ] as const) {
        const r = await getWith('/assets/index-def456.js', accept ? { 'accept-encoding': accept } : {});
        expect([accept, r.statusCode, r.headers['content-encoding'], r.headers['content-type'], r.headers.vary]).toEqual([accept, 200, coding, 'application/javascript; charset=utf-8', 'accept-encoding']);
        expect([accept, Number(r.headers['content-length'])]).toEqual([accept, body.length]);
        expect(r.rawPayload.equals(body), accept).toBe(true);
        sent.set(coding ?? 'identity', { etag: String(r.headers.etag), body: r.rawPayload });
      }
      // One ETag per coding: a cache holding one never takes it for another.
      expect(new Set([...sent.values()].map((s) => s.etag)).size).toBe(3);
      const br = sent.get('br')!.etag;
      expect((await getWith('/assets/index-def456.js', { 'accept-encoding': 'br', 'if-none-match': br })).statusCode).toBe(304);
      expect((await getWith('/assets/index-def456.js', { 'accept-encoding': 'gzip', 'if-none-match': br })).statusCode).toBe(200);
      // A file without compressed copies is sent as it is, whatever the browser accepts, with its cache policy.
      const plain = await getWith('/assets/index-abc123.js', { 'accept-encoding': 'br, gzip' });
      expect([plain.statusCode, plain.headers['content-encoding'], plain.body, plain.headers['cache-control'], plain.headers.vary]).toEqual([200, undefined, 'console.log(1)', 'public, max-age=31536000, immutable', 'accept-encoding']);
    });

    it('never sends a coding the request refuses, also when `*` would take it', async () => {
      // @fastify/static read `*` as gzip: 'gzip;q=0, *' was sent gzip, to a client that said it cannot decode it.
      for (const [accept, coding] of [
        ['gzip;q=0, *;q=1', 'br'],
        ['gzip;q=0, br;q=0, *', undefined],
        ['br;q=0, *', 'gzip'],
        ['*;q=0', undefined],
        ['identity;q=0', undefined],
        ['GZIP;Q=0.6, BR;q=0.5', 'gzip'],
        ['gzip;q=1.000, br;q=0.999', 'gzip'],
        ['br;q=0.001', 'br'],
        ['x-gzip', 'gzip'],
        ['br;q=2, gzip;q=0.5', 'gzip'],
        ['br;q=0.1, gzip;q=0.8000', 'gzip'],
      ] as const) {
        const r = await getWith('/assets/index-def456.js', { 'accept-encoding': accept });
        const body = coding === 'br' ? bundleBr : coding === 'gzip' ? bundleGz : bundle;
        expect([accept, r.statusCode, r.headers['content-encoding'], Number(r.headers['content-length']), r.rawPayload.equals(body)]).toEqual([accept, 200, coding, body.length, true]);
      }
      // A file the build wrote only a gzip copy of (its brotli was no smaller): gzip for a browser that takes both.
      const gzOnly = await getWith('/assets/only-gz-1.js', { 'accept-encoding': 'br, gzip;q=0.1' });
      expect([gzOnly.headers['content-encoding'], gzOnly.rawPayload.equals(bundleGz)]).toEqual(['gzip', true]);
      // A deep link is the page, compressed as the request takes it, with its policy.
      const deep = await getWith('/users/ana', { 'accept-encoding': 'gzip;q=0, *' });
      expect([deep.statusCode, deep.headers['content-encoding'], deep.headers['content-type'], typeof deep.headers['content-security-policy']]).toEqual([200, 'br', 'text/html; charset=utf-8', 'string']);
      expect(brotliDecompressSync(deep.rawPayload).toString()).toBe(indexHtml);
    });

    it('answers a Range with the bytes of the coding it sends', async () => {
      const gz = await getWith('/assets/index-def456.js', { 'accept-encoding': 'gzip', range: 'bytes=10-19' });
      expect([gz.statusCode, gz.headers['content-encoding'], gz.headers['content-range'], gz.headers['content-length']]).toEqual([206, 'gzip', `bytes 10-19/${bundleGz.length}`, '10']);
      expect(gz.rawPayload.equals(bundleGz.subarray(10, 20))).toBe(true);
      const tail = await getWith('/assets/index-def456.js', { 'accept-encoding': 'br', range: 'bytes=-5' });
      expect([tail.statusCode, tail.headers['content-range']]).toEqual([206, `bytes ${bundleBr.length - 5}-${bundleBr.length - 1}/${bundleBr.length}`]);
      expect(tail.rawPayload.equals(bundleBr.subarray(-5))).toBe(true);
      const plain = await getWith('/assets/index-def456.js', { range: 'bytes=0-9' });
      expect([plain.statusCode, plain.headers['content-encoding'], plain.headers['content-range'], plain.body]).toEqual([206, undefined, `bytes 0-9/${bundle.length}`, bundle.subarray(0, 10).toString()]);
      // If-Range with another coding's ETag: the whole of this one.
      const identityTag = String((await get('/assets/index-def456.js')).headers.etag);
      const whole = await getWith('/assets/index-def456.js', { 'accept-encoding': 'gzip', range: 'bytes=0-9', 'if-range': identityTag });
      expect([whole.statusCode, whole.rawPayload.equals(bundleGz)]).toEqual([200, true]);
      const past = await getWith('/assets/index-def456.js', { 'accept-encoding': 'br', range: `bytes=${bundleBr.length}-` });
      // (It was a 400 ValidationException, without the size; so was a failed If-Match.)
      expect([past.statusCode, past.headers['content-range'], past.json().detail]).toEqual([416, `bytes */${bundleBr.length}`, `The requested range is not satisfiable: the file sent is ${bundleBr.length} bytes long.`]);
      expect((await getWith('/assets/index-def456.js', { 'if-match': '"other"' })).statusCode).toBe(412);
    });
  });

  it('leaves API, auth and health paths to the server: a problem+json 404, never the app', async () => {
    expect((await get('/api/v1/users')).json()).toEqual({ Users: [] });
    for (const path of ['/api/v1/nope', '/api', '/auth/nope', '/healthz/x', '/assets/missing.js']) {
      const r = await get(path);
      expect([path, r.statusCode, r.headers['content-type']]).toEqual([path, 404, 'application/problem+json; charset=utf-8']);
    }
  });

  it('never serves a file from outside the dist directory', async () => {
    // dist is <tmp>/studio-dist-x/site; a secret sits beside it.
    const site = join(dist, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.html'), indexHtml);
    writeFileSync(join(dist, 'secret.txt'), 'TOP-SECRET');
    const inner = await appFor(site);
    try {
      for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
        const r = await inner.inject({ method: 'GET', url: path, headers: { host: 'localhost' } });
        expect(r.body, path).not.toContain('TOP-SECRET');
        expect([path, r.statusCode === 200 ? r.body : 'refused']).toEqual([path, r.statusCode === 200 ? indexHtml : 'refused']);
      }
    } finally {
      await inner.close();
    }
  });

  it('says how to build Studio when dist is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'studio-none-'));
    const bare = await appFor(join(empty, 'dist'));
    try {
      const r = await bare.inject({ method: 'GET', url: '/users', headers: { host: 'localhost' } });
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('npm run build');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

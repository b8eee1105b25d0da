import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '@loam/server/http/build-app';
import { registerStudioRoutes } from '@loam/server/http/studio.routes';

const indexHtml = '<!doctype html><html><body><div id="root"></div></body></html>';

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

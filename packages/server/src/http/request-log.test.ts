import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@loam/core';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config/index.js';
import { openPlatform, type Platform } from '../compose/platform.js';
import { buildLoamApp } from '../compose/start.js';
import { redactUrl } from './request-log.js';

// The server logs every request's URL at info level: credentials in query strings (presigned URLs'
// signatures, valid up to 7 days, and Studio login tokens) must not reach the log.

let dataDir: string;
let platform: Platform;
let app: FastifyInstance;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loam-log-'));
  const { config } = loadConfig({ argv: { dataDir }, env: {}, cwd: dataDir });
  platform = await openPlatform(config, silentLogger);
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); done(); } });
  // The logger `loam up` makes (info level), writing into the test.
  app = buildLoamApp(platform, pino({ level: 'info' }, sink), () => 'http://127.0.0.1:7717');
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await platform?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('request logging', () => {
  it('logs request URLs without presigned-URL credentials or login tokens', async () => {
    const presigned = '/some-bucket/some/key.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASECRETKEYID%2F20261128%2Fus-east-1%2Fs3%2Faws4_request'
      + '&X-Amz-Date=20261128T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Security-Token=SESSIONTOKENSECRET&X-Amz-Signature=0123456789abcdefsig';
    await app.inject({ method: 'GET', url: presigned, headers: { host: '127.0.0.1:7717' } });
    await app.inject({ method: 'GET', url: '/auth/login?token=LOGINTOKENSECRET', headers: { host: '127.0.0.1:7717' } });
    await app.inject({ method: 'GET', url: '/auth/login?x-amz-signature=lowersig&TOKEN=UPPERTOKEN&next=%2Fstudio', headers: { host: '127.0.0.1:7717' } });
    const text = lines.join('\n');
    for (const secret of ['AKIASECRETKEYID', 'SESSIONTOKENSECRET', '0123456789abcdefsig', 'LOGINTOKENSECRET', 'lowersig', 'UPPERTOKEN']) expect(text).not.toContain(secret);
    const urls = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'incoming request').map((l) => l.req?.url);
    expect(urls).toContain('/some-bucket/some/key.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Date=20261128T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]');
    expect(urls).toContain('/auth/login?token=[REDACTED]');
    expect(urls).toContain('/auth/login?x-amz-signature=[REDACTED]&TOKEN=[REDACTED]&next=%2Fstudio');
  });

  it('redacts encoded parameter names and leaves URLs without credentials alone', () => {
    expect(redactUrl('/b/k?X%2DAmz%2DSignature=s&a=1')).toBe('/b/k?X%2DAmz%2DSignature=[REDACTED]&a=1');
    expect(redactUrl('/auth/login?token')).toBe('/auth/login?token=[REDACTED]');
    expect(redactUrl('/api/v1/training-jobs?MaxResults=5')).toBe('/api/v1/training-jobs?MaxResults=5');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });
});

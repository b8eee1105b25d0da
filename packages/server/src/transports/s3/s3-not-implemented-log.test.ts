import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetBucketAclCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '@loam/core';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../config/index.js';
import { openPlatform, type Platform } from '../../compose/platform.js';
import { buildLoamApp } from '../../compose/start.js';
import { listenOnLoopback } from '../../compose/loam.test-support.js';
import { adminS3Client, sdkErrorOf } from './s3.test-support.js';

// An S3 request for something Loam does not implement (answered 501 NotImplemented) is the client's
// request, not a fault of the server's: it was logged at error level with a stack trace, as a 500 is.

let dataDir: string;
let platform: Platform;
let app: FastifyInstance;
let s3: S3Client;
const lines: { level: number; msg: string; err?: { stack?: string }; res?: { statusCode: number } }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loam-s3-501-log-'));
  const { config } = loadConfig({ argv: { dataDir }, env: {}, cwd: dataDir });
  platform = await openPlatform(config, silentLogger);
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l)); done(); } });
  // The logger `loam up` makes (info level), writing into the test.
  app = buildLoamApp(platform, pino({ level: 'info' }, sink), () => 'http://127.0.0.1:7717');
  await app.ready();
  const admin = (await platform.identity.bootstrapAdmin())!;
  s3 = adminS3Client({ adminAccessKeyId: admin.accessKeyId, adminSecretAccessKey: admin.secretAccessKey }, await listenOnLoopback({ app }));
});
afterAll(async () => {
  await app?.close();
  await platform?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('S3 NotImplemented (501) logging', () => {
  it('is logged as a client error: the request line at info, nothing at error level, no stack', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'unsupported' }));
    lines.length = 0;
    expect(await sdkErrorOf(s3.send(new GetBucketAclCommand({ Bucket: 'unsupported' })))).toMatchObject({ name: 'NotImplemented', status: 501 });
    const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) };
    expect(await sdkErrorOf(s3.send(new PutObjectCommand({ Bucket: 'unsupported', Key: 'x', Body: 'x', ...sseC })))).toMatchObject({ name: 'NotImplemented', status: 501 });

    expect(lines.filter((l) => l.res?.statusCode === 501).map((l) => l.level)).toEqual([30, 30]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.err?.stack !== undefined)).toEqual([]);
  });
});

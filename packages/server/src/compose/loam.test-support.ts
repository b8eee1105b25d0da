import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { silentLogger } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { openPlatform, type Platform } from './platform.js';
import { buildLoamApp } from './start.js';

export interface TestLoam {
  readonly app: FastifyInstance;
  readonly platform: Platform;
  readonly dataDir: string;
  /** The bootstrap admin's API token. */
  readonly adminToken: string;
  readonly adminAccessKeyId: string;
  readonly adminSecretAccessKey: string;
  close(): Promise<void>;
}

/** A real Loam app (real services and adapters) on a temporary data directory, driven with `inject()`. */
export async function openTestLoam(env: Record<string, string> = {}): Promise<TestLoam> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-test-'));
  const loaded = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent', ...env }, cwd: dataDir });
  const { config } = loaded;
  const platform = await openPlatform(config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1:7717', loaded.sources as Record<string, string>);
  await app.ready();
  const admin = await platform.identity.bootstrapAdmin();
  if (!admin) throw new Error('bootstrap did not create the admin');
  return {
    app,
    platform,
    dataDir,
    adminToken: admin.apiToken,
    adminAccessKeyId: admin.accessKeyId,
    adminSecretAccessKey: admin.secretAccessKey,
    async close() {
      await app.close();
      await platform.close();
      // Job runners outlive their server (a restart adopts them): a test's jobs end with its server.
      await endDetachedJobs(config.executor.workDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the test Loam's app on a free loopback port, for real clients (boto3, the AWS SDK, fetch); its base URL. */
export async function listenOnLoopback(loam: Pick<TestLoam, 'app'>): Promise<string> {
  await loam.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(loam.app.server.address() as { port: number }).port}`;
}

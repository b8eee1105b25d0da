import { silentLogger } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { openPlatform } from '../compose/platform.js';
import { buildLoamApp } from '../compose/start.js';
import type { TestLoam } from '../compose/loam.test-support.js';

export { until } from './postgres-faults.test-support.js';

/**
 * A real Loam app on `dataDir` (kept when closed, unlike openTestLoam's, and its jobs' runners left running), as a
 * restarted server opens it; `token` is the admin's from the first open (bootstrapped when absent); `env` as `LOAM_*`.
 */
export async function openLoamOn(dataDir: string, token?: string, env: Record<string, string> = {}): Promise<TestLoam> {
  const loaded = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent', ...env }, cwd: dataDir });
  const platform = await openPlatform(loaded.config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1:7717', loaded.sources as Record<string, string>);
  await app.ready();
  const adminToken = token ?? (await platform.identity.bootstrapAdmin())?.apiToken;
  if (!adminToken) throw new Error('no admin token');
  return { app, platform, dataDir, adminToken, adminAccessKeyId: '', adminSecretAccessKey: '', close: async () => { await app.close(); await platform.close(); } };
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

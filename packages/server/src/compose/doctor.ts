import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { silentLogger } from '@loam/core';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/index.js';
import { openPlatform } from './platform.js';

export interface DiagnosisCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Diagnosis {
  readonly ok: boolean;
  readonly checks: readonly DiagnosisCheck[];
  /** The configuration with secrets redacted, and where each value came from. */
  readonly config?: unknown;
  readonly sources?: Readonly<Record<string, string>>;
}

/** `loam doctor`: is the configuration valid, and does every configured backend answer? */
export async function diagnose(flags: ConfigFlags = {}, env?: NodeJS.ProcessEnv): Promise<Diagnosis> {
  const checks: DiagnosisCheck[] = [];
  let loaded;
  try {
    loaded = loadConfig({ argv: flags, ...(env ? { env } : {}) });
    checks.push({ name: 'config', ok: true, detail: loaded.file ? `read ${loaded.file}` : 'defaults and environment (no config file)' });
    for (const name of loaded.ignoredEnv) checks.push({ name: 'config', ok: false, detail: `${name} names no configuration key and was ignored` });
  } catch (e) {
    const detail = e instanceof ConfigError ? e.message : String(e);
    return { ok: false, checks: [{ name: 'config', ok: false, detail }] };
  }
  const { config } = loaded;
  const dir = config.dataDir;
  if (existsSync(dir)) {
    try {
      accessSync(dir, constants.W_OK);
      const mode = statSync(dir).mode & 0o777;
      checks.push({ name: 'data directory', ok: (mode & 0o077) === 0, detail: `${dir} (mode ${mode.toString(8)}${mode & 0o077 ? '; others can read it: chmod 700' : ''})` });
    } catch {
      checks.push({ name: 'data directory', ok: false, detail: `${dir} is not writable` });
    }
  } else checks.push({ name: 'data directory', ok: true, detail: `${dir} (created on first start)` });

  try {
    const platform = await openPlatform(config, silentLogger);
    try {
      await platform.store.ping({ signal: AbortSignal.timeout(3000) });
      checks.push({ name: 'metadata store', ok: true, detail: `${config.metadata.type} answers; migrations are current` });
    } catch (e) {
      checks.push({ name: 'metadata store', ok: false, detail: `${config.metadata.type}: ${(e as Error).message}` });
    }
    try {
      await platform.artifacts.ping({ signal: AbortSignal.timeout(3000) });
      checks.push({ name: 'artifact store', ok: true, detail: `${config.artifacts.type} answers` });
    } catch (e) {
      checks.push({ name: 'artifact store', ok: false, detail: `${config.artifacts.type}: ${(e as Error).message}` });
    }
    await platform.close();
  } catch (e) {
    checks.push({ name: 'backends', ok: false, detail: (e as Error).message });
  }
  const python = config.images.python;
  checks.push({ name: 'python (script mode)', ok: existsSync(python), detail: existsSync(python) ? python : `${python} not found: script-mode jobs will fail (apt-get install python3)` });
  return { ok: checks.every((c) => c.ok), checks, config: loaded.redacted(), sources: loaded.sources as Record<string, string> };
}

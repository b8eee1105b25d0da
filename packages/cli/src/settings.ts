import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the CLI finds a server and its credentials: flags, then LOAM_* env, then `<data-dir>/credentials`. */
export interface ClientSettings {
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly dataDir: string;
}

export interface ClientFlags {
  endpoint?: string;
  token?: string;
  dataDir?: string;
  profile?: string;
}

/** Reads one profile of an AWS shared-credentials INI file. */
export function readCredentialsProfile(file: string, profile = 'loam'): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  const out: Record<string, string> = {};
  let current = '';
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = (section[1] as string).trim();
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (kv && current === profile) out[(kv[1] as string).trim()] = (kv[2] as string).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

export function clientSettings(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const dataDir = resolve(flags.dataDir ?? env.LOAM_DATA_DIR ?? '.loam');
  const creds = readCredentialsProfile(join(dataDir, 'credentials'), flags.profile ?? 'loam');
  const endpoint = flags.endpoint ?? env.LOAM_ENDPOINT ?? creds?.loam_endpoint ?? 'http://127.0.0.1:7717';
  const token = flags.token ?? env.LOAM_TOKEN ?? creds?.loam_api_token;
  return { endpoint, token, dataDir };
}

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

/**
 * The section a header line starts, read as botocore's configparser reads one: up to the line's last `]`
 * (`[work]  # note` is [work]), its name kept as written between the brackets, so `[ loam ]` is the profile
 * ` loam `, which boto3 and the aws CLI do not take for [loam]. Undefined for any other line.
 */
const sectionOf = (line: string): string | undefined => /^\s*\[(.+)\]/.exec(line)?.[1];

/** Reads one profile of an AWS shared-credentials INI file. */
export function readCredentialsProfile(file: string, profile = 'loam'): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  const out: Record<string, string> = {};
  let current = '';
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = sectionOf(line);
    if (section !== undefined) {
      current = section;
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (kv && current === profile) out[(kv[1] as string).trim()] = (kv[2] as string).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** The credentials file or the profile the CLI needed is not there (code NoCredentials or ProfileNotFound). */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    readonly code: 'NoCredentials' | 'ProfileNotFound',
    message: string,
  ) {
    super(message);
  }
}

/** The section names of an INI file, in order. */
function profilesIn(file: string): string[] {
  return readFileSync(file, 'utf8').split(/\r?\n/).map((l) => sectionOf(l.trim())).filter((x): x is string => x !== undefined);
}

const howToFix = 'pass --data-dir <the data directory `loam up` printed> (or set LOAM_DATA_DIR), or give --endpoint and --token (LOAM_ENDPOINT, LOAM_TOKEN)';

/**
 * Where the CLI finds a server and its token. Without a token from a flag or the environment, the
 * credentials file must hold the profile: a missing file or profile is an error naming both, not a
 * silent fall back to http://127.0.0.1:7717 that then reports "Cannot reach Loam" or a 401.
 * @throws CredentialsError
 */
export function clientSettings(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const dataDir = resolve(flags.dataDir ?? (env.LOAM_DATA_DIR || '.loam'));
  const file = join(dataDir, 'credentials');
  const profile = flags.profile ?? 'loam';
  const creds = readCredentialsProfile(file, profile);
  // An empty LOAM_* variable counts as unset.
  const endpoint = flags.endpoint ?? (env.LOAM_ENDPOINT || undefined) ?? creds?.loam_endpoint ?? 'http://127.0.0.1:7717';
  const token = flags.token ?? (env.LOAM_TOKEN || undefined) ?? creds?.loam_api_token;
  if (token === undefined) {
    if (!existsSync(file)) throw new CredentialsError('NoCredentials', `No credentials: ${file} does not exist (wanted profile [${profile}] for the API token). ${howToFix[0]!.toUpperCase()}${howToFix.slice(1)}.`);
    if (!creds) {
      const have = profilesIn(file);
      throw new CredentialsError('ProfileNotFound', `Profile [${profile}] is not in ${file} (it has ${have.length ? have.map((p) => `[${p}]`).join(', ') : 'no profiles'}). Pass --profile <one of them>, or ${howToFix}.`);
    }
    throw new CredentialsError('NoCredentials', `Profile [${profile}] in ${file} has no loam_api_token. Pass --token (or set LOAM_TOKEN), or ${howToFix}.`);
  }
  return { endpoint, token, dataDir };
}

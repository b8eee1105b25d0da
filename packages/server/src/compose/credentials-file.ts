import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LoamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly apiToken: string;
  readonly region: string;
  readonly endpoint: string;
}

/**
 * Writes `<data-dir>/credentials` in the AWS shared-credentials INI format, profile `[loam]`, mode
 * 0600, so `AWS_SHARED_CREDENTIALS_FILE=<data-dir>/credentials AWS_PROFILE=loam` works for boto3 and
 * the aws CLI as it is; `loam_api_token` is the bearer token for REST, MLflow and load tools. Other
 * profiles in the file are kept.
 */
export function writeCredentialsFile(dataDir: string, c: LoamCredentials): string {
  const file = join(dataDir, 'credentials');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const kept = existsSync(file) ? stripProfile(readFileSync(file, 'utf8'), 'loam') : '';
  const body =
    `[loam]\n` +
    `aws_access_key_id = ${c.accessKeyId}\n` +
    `aws_secret_access_key = ${c.secretAccessKey}\n` +
    `region = ${c.region}\n` +
    `loam_api_token = ${c.apiToken}\n` +
    `loam_endpoint = ${c.endpoint}\n`;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, (kept ? `${kept.trimEnd()}\n\n` : '') + body, { mode: 0o600 });
  renameSync(tmp, file);
  chmodSync(file, 0o600);
  return file;
}

/** Updates only the `loam_endpoint` line (the port can change between starts). */
export function updateCredentialsEndpoint(dataDir: string, endpoint: string): void {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const next = /^loam_endpoint = .*$/m.test(text) ? text.replace(/^loam_endpoint = .*$/m, `loam_endpoint = ${endpoint}`) : text;
  if (next !== text) writeFileSync(file, next, { mode: 0o600 });
}

function stripProfile(text: string, profile: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[(.+)\]\s*$/.exec(line);
    if (m) skipping = (m[1] as string).trim() === profile;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

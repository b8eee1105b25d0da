import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
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
  replaceFile(file, (kept ? `${kept.trimEnd()}\n\n` : '') + body);
  return file;
}

/**
 * Replaces `file` with `text` through a temporary file (a reader never sees half of it), mode 0600,
 * durably: the admin is committed after its credentials are written, so they must survive power loss.
 */
function replaceFile(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600); // a temporary file left by a crash keeps its own mode otherwise
  fsyncPath(tmp);
  renameSync(tmp, file);
  fsyncPath(dirname(file));
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * For each line, the profile it starts; undefined for any other line. Read as botocore's configparser reads a
 * header, up to its last `]`, so `[work]  # note` starts [work] too (its lines are not [loam]'s), and with the
 * name as written between the brackets: `[ loam ]` is the profile ` loam `, not [loam], for boto3 and for Loam.
 * A line indented deeper than the entry above it continues that entry's value (blank and comment lines between
 * them too), so an indented `[work]` there is part of [loam]'s value, not a profile.
 */
function profileStarts(lines: readonly string[]): (string | undefined)[] {
  return classify(lines).map((l) => l.profile);
}

/** Each line as botocore reads it: the profile it starts, or whether it continues the value of the entry above it. */
function classify(lines: readonly string[]): { readonly profile?: string; readonly continues: boolean }[] {
  let inEntry = false;
  let indent = 0;
  return lines.map((raw) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return { continues: false };
    const at = raw.search(/\S/);
    if (inEntry && at > indent) return { continues: true };
    indent = at;
    const profile = /^\[(.+)\]/.exec(line)?.[1];
    inEntry = profile === undefined && /[=:]/.test(line);
    return profile === undefined ? { continues: false } : { profile, continues: false };
  });
}

/**
 * Updates only the `[loam]` profile's `loam_endpoint` (the port can change between starts), adding the line if the
 * profile lost it. Other profiles are left as they are, a `loam_endpoint` of their own included (it used to be the
 * first `loam_endpoint` line of the file that was replaced, whichever profile held it). Written through a temporary
 * file, mode 0600.
 */
export function updateCredentialsEndpoint(dataDir: string, endpoint: string): void {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const starts = profileStarts(lines);
  const header = starts.indexOf('loam');
  if (header < 0) return;
  let last = header;
  let at = -1;
  for (let i = header + 1; i < lines.length && starts[i] === undefined; i++) {
    if ((lines[i] as string).trim() !== '') last = i;
    if (/^\s*loam_endpoint\s*=/.test(lines[i] as string)) at = i;
  }
  const entry = `loam_endpoint = ${endpoint}`;
  if (at >= 0) lines[at] = entry;
  else lines.splice(last + 1, 0, entry);
  const next = lines.join(eol);
  if (next === text) return;
  replaceFile(file, next);
}

/** What `forgetCredentialsKey` changed: the file, the profile, and the access key it no longer names. */
export interface ForgottenCredentialsKey {
  readonly file: string;
  readonly profile: string;
  readonly accessKeyId: string;
}

const KEY_ENTRY = /^\s*(aws_access_key_id|aws_secret_access_key|aws_session_token)\s*=/;

/**
 * After `loam admin forget-unreadable-access-keys`: when the `[loam]` profile names one of the deleted
 * access keys, removes its `aws_access_key_id`, `aws_secret_access_key` (and any `aws_session_token`)
 * lines, so AWS clients using the profile say it has no credentials instead of signing with a key the
 * server no longer knows. The profile's other lines (its `loam_api_token`, which still works, region and
 * endpoint) and every other profile are kept as they are. Undefined when nothing was changed.
 */
export function forgetCredentialsKey(dataDir: string, deleted: readonly string[]): ForgottenCredentialsKey | undefined {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return undefined;
  // Each line with its own line end, so the lines kept are kept byte for byte in a file that mixes them.
  const lines = readFileSync(file, 'utf8').match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const content = (l: string): string => l.replace(/\r?\n$/, '');
  const kinds = classify(lines.map(content));
  const starts = kinds.map((k) => k.profile);
  const header = starts.indexOf('loam');
  if (header < 0) return undefined;
  let end = header + 1;
  while (end < lines.length && starts[end] === undefined) end++;
  const body = lines.slice(header + 1, end).map(content);
  const accessKeyId = body.map((l) => /^\s*aws_access_key_id\s*=\s*(.*?)\s*$/.exec(l)?.[1]).find((v) => v !== undefined);
  if (accessKeyId === undefined || !deleted.includes(accessKeyId)) return undefined;
  // A key entry goes with the lines that continue its value (an indented `[work]` left behind would start a profile).
  let removing = false;
  const kept = lines.slice(header + 1, end).filter((l, i) => {
    if ((kinds[header + 1 + i] as { continues: boolean }).continues) return !removing;
    const text = content(l).trim();
    if (text === '' || text.startsWith('#') || text.startsWith(';')) return true;
    removing = KEY_ENTRY.test(l);
    return !removing;
  });
  lines.splice(header + 1, body.length, ...kept);
  replaceFile(file, lines.join(''));
  return { file, profile: 'loam', accessKeyId };
}

/** The value of `entry` in the `[loam]` profile of `<data-dir>/credentials`; undefined without one. */
export function credentialsEntry(dataDir: string, entry: 'aws_access_key_id' | 'loam_api_token'): string | undefined {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return undefined;
  let inside = false;
  const line = new RegExp(`^\\s*${entry}\\s*=\\s*(.*?)\\s*$`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const starts = profileStarts(lines);
  for (const [i, l] of lines.entries()) {
    const p = starts[i];
    if (p !== undefined) inside = p === 'loam';
    const value = inside ? line.exec(l)?.[1] : undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Removes the `[loam]` profile's key lines (as forgetCredentialsKey) when `known` says the store does not hold the
 * key it names. The store and the file change in two steps, and a process killed between them leaves a file that
 * names a key already deleted (`loam admin forget-unreadable-access-keys`, a DeleteAccessKey): the next `loam up`
 * or forget run calls this, so AWS clients using the profile say it has no credentials instead of signing with a
 * key every request is refused with. `known` also gets the profile's `loam_api_token`: a key this store does not
 * hold may be another store's (the server pointed at another database), whose secret must not be thrown away.
 * Undefined when nothing was changed.
 */
export async function repairCredentialsKey(dataDir: string, known: (accessKeyId: string, apiToken: string | undefined) => Promise<boolean>): Promise<ForgottenCredentialsKey | undefined> {
  const accessKeyId = credentialsEntry(dataDir, 'aws_access_key_id');
  if (accessKeyId === undefined || (await known(accessKeyId, credentialsEntry(dataDir, 'loam_api_token')))) return undefined;
  return forgetCredentialsKey(dataDir, [accessKeyId]);
}

function stripProfile(text: string, profile: string): string {
  const out: string[] = [];
  let skipping = false;
  const lines = text.split(/\r?\n/);
  const starts = profileStarts(lines);
  for (const [i, line] of lines.entries()) {
    const p = starts[i];
    if (p !== undefined) skipping = p === profile;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withFileLock, type HeldLock, type LockTiming } from './credentials-lock.js';
import { replaceFile } from './credentials-replace.js';
import { classifyIni, contentOf, hasLineEnd, indentOf, insertionIndent, isBlankOrComment, lineEndOf, linesOf, sectionsOf, withoutBom, type IniLine } from './credentials-ini.js';

export interface LoamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly apiToken: string;
  readonly region: string;
  readonly endpoint: string;
}

/** The `[loam]` entries Loam writes and replaces; a user's other entries there (a `region` of their own too) are kept. */
const OWNED = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token', 'loam_api_token', 'loam_endpoint']);

/**
 * The session token entries botocore reads for a profile, the first one it has winning (`aws_security_token`, the old
 * name, first). A `[DEFAULT]` section's is every profile's that has none of its own: boto3 would send it with Loam's
 * key. Given empty in `[loam]`, boto3 and the aws CLI send none.
 */
const TOKEN_ENTRIES = ['aws_security_token', 'aws_session_token'] as const;

/** `[DEFAULT]` entries that make boto3 take `[loam]`'s credentials from elsewhere (assume a role, SSO): no empty entry undoes them. */
const PROVIDER_ENTRIES = ['role_arn', 'sso_account_id', 'sso_role_name'] as const;

/**
 * Writes `<data-dir>/credentials` in the AWS shared-credentials INI format, profile `[loam]`, mode
 * 0600, so `AWS_SHARED_CREDENTIALS_FILE=<data-dir>/credentials AWS_PROFILE=loam` works for boto3 and
 * the aws CLI as it is; `loam_api_token` is the bearer token for REST, MLflow and load tools. Other
 * profiles in the file are kept, and so is what the user wrote in `[loam]` besides the entries Loam owns
 * (access key, secret, session token, API token, endpoint): comments, other settings, and a `region` of their own
 * (Loam's is written only when the profile has none; the server takes signatures for any region). A session token a
 * `[DEFAULT]` section gives every profile is overridden with an empty one in `[loam]` (boto3 then sends none with Loam's
 * key). A symbolic link is written through (replaceFile), under a lock against another Loam writing the same file
 * (withFileLock). A leading byte order mark is dropped: boto3 refuses a file that starts with one.
 */
export async function writeCredentialsFile(dataDir: string, c: LoamCredentials): Promise<string> {
  const file = join(dataDir, 'credentials');
  for (const [name, value] of [['aws_access_key_id', c.accessKeyId], ['aws_secret_access_key', c.secretAccessKey], ['region', c.region], ['loam_api_token', c.apiToken], ['loam_endpoint', c.endpoint]] as const) oneLine(file, name, value);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await withFileLock(file, (held) => writeLocked(file, c, held));
  return file;
}

/** The credentials file as its lock's holder writes it (withCredentialsFile). */
export interface LockedCredentialsFile {
  /** Writes the `[loam]` profile as writeCredentialsFile does; the file's path. */
  write(c: LoamCredentials): Promise<string>;
  /** Updates the `[loam]` profile's `loam_endpoint` as updateCredentialsEndpoint does. */
  updateEndpoint(endpoint: string): Promise<void>;
}

/**
 * Runs `fn` holding the lock of `<data-dir>/credentials` (withFileLock), handing it the file to write under that lock.
 * For a write that must happen inside a metadata-store transaction (the first start's bootstrap): the lock is waited
 * for (up to credentialsLockTiming.waitMs) before the transaction opens, so the transaction lasts the write only and
 * does not hold off the store's other writers (on SQLite, every one) while another process holds the lock.
 */
export async function withCredentialsFile<T>(dataDir: string, fn: (file: LockedCredentialsFile) => Promise<T>, options: { readonly timing?: LockTiming } = {}): Promise<T> {
  const file = join(dataDir, 'credentials');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  return withFileLock(
    file,
    (held) =>
      fn({
        write: async (c) => {
          for (const [name, value] of [['aws_access_key_id', c.accessKeyId], ['aws_secret_access_key', c.secretAccessKey], ['region', c.region], ['loam_api_token', c.apiToken], ['loam_endpoint', c.endpoint]] as const) oneLine(file, name, value);
          await writeLocked(file, c, held);
          return file;
        },
        updateEndpoint: async (endpoint) => {
          oneLine(file, 'loam_endpoint', endpoint);
          await updateEndpointLocked(file, endpoint, held);
        },
      }),
    options.timing ? { timing: options.timing } : {},
  );
}

async function writeLocked(file: string, c: LoamCredentials, held: HeldLock): Promise<void> {
  const text = existsSync(file) ? withoutBom(await readFile(file, 'utf8')) : '';
  const eol = lineEndOf(text);
  const lines = linesOf(text);
  const kinds = classifyIni(lines.map(contentOf));
  const sections = sectionsOf(kinds, 'loam');
  // A [loam] given twice (botocore refuses the file) becomes one: the later ones' kept lines join the first.
  const kept = sections.flatMap((s) => keptLines(lines, kinds, s.header + 1, s.end, (name) => OWNED.has(name)));
  const hasRegion = kept.some((i) => kinds[i]?.entry?.name === 'region');
  const defaults = defaultEntries(kinds);
  const own = [
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${c.secretAccessKey}`,
    ...TOKEN_ENTRIES.filter((name) => defaults.has(name)).map((name) => `${name} =`),
    ...(hasRegion ? [] : [`region = ${c.region}`]),
    `loam_api_token = ${c.apiToken}`,
    `loam_endpoint = ${c.endpoint}`,
  ].map((l) => l + eol);
  const first = sections[0];
  if (!first) {
    await replaceFile(file, (text.trim() ? `${text.trimEnd()}${eol}${eol}` : '') + `[loam]${eol}` + own.join(''), held);
    return;
  }
  // Loam's entries go after the user's last entry, indented to be read as entries that leave the lines around them as
  // they were: a user's indented entry right below an unindented one of Loam's would be read as part of its value.
  const lastEntry = kept.findLastIndex((i) => kinds[i]?.entry !== undefined || kinds[i]?.continues);
  const dropped = new Set(sections.slice(1).flatMap((s) => range(s.header, s.end)));
  const out: string[] = [];
  let at = 0;
  lines.forEach((line, i) => {
    if (i === first.header) {
      out.push(line, ...kept.slice(0, lastEntry + 1).map((k) => lines[k] as string));
      at = out.length;
      out.push(...kept.slice(lastEntry + 1).map((k) => lines[k] as string));
    } else if (!dropped.has(i) && (i < first.header || i >= first.end)) out.push(line);
  });
  const above = [first.header, ...kept.slice(0, lastEntry + 1)].findLast((i) => kinds[i]?.profile !== undefined || kinds[i]?.entry !== undefined) as number;
  const below = out.slice(at).map(contentOf).find((l) => !isBlankOrComment(l));
  const indent = insertionIndent(contentOf(lines[above] as string), kinds[above]?.profile !== undefined, below);
  out.splice(at, 0, ...own.map((l) => indent + l));
  await replaceFile(file, out.map((l, i) => (i < out.length - 1 && !hasLineEnd(l) ? l + eol : l)).join(''), held);
}

/** The names of the entries of the `[DEFAULT]` sections: configparser gives them to every profile without its own. */
function defaultEntries(kinds: readonly IniLine[], except: readonly IniLine[] = []): Set<string> {
  const own = new Set(except.map((k) => k.entry?.name));
  return new Set(sectionsOf(kinds, 'DEFAULT').flatMap((s) => kinds.slice(s.header + 1, s.end).flatMap((k) => (k.entry && !own.has(k.entry.name) ? [k.entry.name] : []))));
}

/**
 * The entries of `<data-dir>/credentials`'s `[DEFAULT]` section that botocore gives the `[loam]` profile and that make
 * boto3 and the aws CLI sign with other credentials than Loam's key: a session token `[loam]` does not override, an
 * assumed role or SSO account. Empty when there is none (or no file, or no `[loam]`): then boto3 uses Loam's key alone.
 */
export function credentialsTakenFromDefault(dataDir: string): string[] {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return [];
  const kinds = classifyIni(linesOf(withoutBom(readFileSync(file, 'utf8'))).map(contentOf));
  const loam = sectionsOf(kinds, 'loam');
  if (loam.length === 0) return [];
  const inherited = defaultEntries(kinds, loam.flatMap((s) => kinds.slice(s.header + 1, s.end)));
  return [...TOKEN_ENTRIES, ...PROVIDER_ENTRIES].filter((name) => inherited.has(name));
}

/**
 * Refuses a value with a line end in it: botocore would read its second line as an entry, a profile header or (starting
 * the value on the line below its name) a nested block, and may refuse the whole file.
 */
function oneLine(file: string, name: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new Error(`Cannot write ${name} = ${JSON.stringify(value)} to the credentials file ${file}: it holds a line break, which boto3 and the aws CLI would read as the start of another line. Give ${name} on one line.`);
}

/** The indexes of the lines in `[from, to)` that are not an entry `drop` names or a line continuing its value. */
function keptLines(lines: readonly string[], kinds: readonly IniLine[], from: number, to: number, drop: (name: string) => boolean): number[] {
  let removing = false;
  return range(from, to).filter((i) => {
    const k = kinds[i] as IniLine;
    if (k.continues) return !removing;
    if (k.entry === undefined) return true;
    removing = drop(k.entry.name);
    return !removing;
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/**
 * Updates only the `[loam]` profile's `loam_endpoint` (the port can change between starts), adding the line if the
 * profile lost it. Other profiles are left as they are, a `loam_endpoint` of their own included (it used to be the
 * first `loam_endpoint` line of the file that was replaced, whichever profile held it). The entry is found as botocore
 * finds it, whatever its case (`LOAM_ENDPOINT`) and delimiter (`:`): a second one would make boto3 refuse the file.
 * Written through a temporary file (replaceFile), under the file's lock (withFileLock). Each line keeps its own line end.
 */
export async function updateCredentialsEndpoint(dataDir: string, endpoint: string): Promise<void> {
  const file = join(dataDir, 'credentials');
  oneLine(file, 'loam_endpoint', endpoint);
  if (!existsSync(file)) return;
  await withFileLock(file, (held) => updateEndpointLocked(file, endpoint, held));
}

async function updateEndpointLocked(file: string, endpoint: string, held: HeldLock): Promise<void> {
  if (!existsSync(file)) return;
  const text = await readFile(file, 'utf8');
  const eol = lineEndOf(text);
  const lines = linesOf(withoutBom(text));
  const contents = lines.map(contentOf);
  const kinds = classifyIni(contents);
  const loam = sectionsOf(kinds, 'loam')[0];
  if (!loam) return;
  let last = loam.header;
  let at = -1;
  for (let i = loam.header + 1; i < loam.end; i++) {
    if ((contents[i] as string).trim() !== '') last = i;
    if (kinds[i]?.entry?.name === 'loam_endpoint') at = i;
  }
  const entry = `loam_endpoint = ${endpoint}`;
  const endOf = (i: number): string => (lines[i] as string).slice((contents[i] as string).length);
  if (at >= 0) {
    // The lines continuing the old value go with it; its indent stays (the lines below are read as they were).
    let end = at + 1;
    for (let j = at + 1; j < loam.end && kinds[j]?.entry === undefined; j++) if (kinds[j]?.continues) end = j + 1;
    lines.splice(at, end - at, insertionIndent(contents[at] as string, false, undefined) + entry + endOf(end - 1));
  } else {
    const above = range(loam.header, last + 1).findLast((i) => kinds[i]?.profile !== undefined || kinds[i]?.entry !== undefined) as number;
    const below = contents.slice(last + 1).find((l) => !isBlankOrComment(l));
    // The new line ends as the one above it; the file's last line, without a line end, gets one before it.
    const ending = endOf(last);
    if (!ending) lines[last] += eol;
    lines.splice(last + 1, 0, insertionIndent(contents[above] as string, above === loam.header, below) + entry + ending);
  }
  const next = lines.join('');
  if (next === text) return;
  await replaceFile(file, next, held);
}

/** What `forgetCredentialsKey` changed: the file, the profile, and the access key it no longer names. */
export interface ForgottenCredentialsKey {
  readonly file: string;
  readonly profile: string;
  readonly accessKeyId: string;
}

const KEY_ENTRIES = new Set(['aws_access_key_id', 'aws_secret_access_key', ...TOKEN_ENTRIES]);

/**
 * After `loam admin forget-unreadable-access-keys`: when the `[loam]` profile names one of the deleted
 * access keys, removes its `aws_access_key_id`, `aws_secret_access_key` (and any `aws_session_token` or `aws_security_token`)
 * entries, whatever their case, so AWS clients using the profile say it has no credentials instead of signing with a
 * key the server no longer knows. An empty token entry is no part of the key: it keeps `[DEFAULT]`'s token out of the
 * profile (writeCredentialsFile), and stays; a token removed whose entry `[DEFAULT]` sets leaves an empty one in its
 * place. The profile's other lines (its `loam_api_token`, which still works, region and endpoint) and every other
 * profile are kept as they are. Written under the file's lock (withFileLock), whose wait does not block the event
 * loop. Undefined when nothing was changed.
 */
export async function forgetCredentialsKey(dataDir: string, deleted: readonly string[]): Promise<ForgottenCredentialsKey | undefined> {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return undefined;
  return withFileLock(file, (held) => forgetLocked(file, deleted, held));
}

async function forgetLocked(file: string, deleted: readonly string[], held: HeldLock): Promise<ForgottenCredentialsKey | undefined> {
  if (!existsSync(file)) return undefined;
  const lines = linesOf(withoutBom(await readFile(file, 'utf8')));
  const kinds = classifyIni(lines.map(contentOf));
  const loam = sectionsOf(kinds, 'loam')[0];
  if (!loam) return undefined;
  const accessKeyId = kinds.slice(loam.header + 1, loam.end).find((k) => k.entry?.name === 'aws_access_key_id')?.entry?.value;
  if (accessKeyId === undefined || !deleted.includes(accessKeyId)) return undefined;
  lines.splice(loam.header + 1, loam.end - loam.header - 1, ...withoutKey(lines, kinds, loam.header + 1, loam.end, defaultEntries(kinds)));
  await replaceFile(file, lines.join(''), held);
  return { file, profile: 'loam', accessKeyId };
}

/**
 * The lines in `[from, to)` without the key's entries (KEY_ENTRIES), each with the lines that continue its value (an
 * indented `[work]` left behind would start a profile). A token entry with no value is kept; one with a value whose
 * name `[DEFAULT]` sets (`defaults`) becomes one with none, so `[DEFAULT]`'s token does not take its place.
 */
function withoutKey(lines: readonly string[], kinds: readonly IniLine[], from: number, to: number, defaults: ReadonlySet<string>): string[] {
  const continued = (i: number): boolean => {
    for (let j = i + 1; j < to && kinds[j]?.entry === undefined; j++) if (kinds[j]?.continues) return true;
    return false;
  };
  const out: string[] = [];
  let removing = false;
  for (let i = from; i < to; i++) {
    const k = kinds[i] as IniLine;
    const line = lines[i] as string;
    if (k.continues) {
      if (!removing) out.push(line);
      continue;
    }
    if (k.entry === undefined) {
      out.push(line);
      continue;
    }
    const token = (TOKEN_ENTRIES as readonly string[]).includes(k.entry.name);
    removing = KEY_ENTRIES.has(k.entry.name) && !(token && k.entry.value === '' && !continued(i));
    if (!removing) out.push(line);
    else if (token && defaults.has(k.entry.name)) out.push(`${line.slice(0, indentOf(line))}${k.entry.name} =${line.slice(contentOf(line).length)}`);
  }
  return out;
}

/**
 * The value of `entry` in the `[loam]` profile of `<data-dir>/credentials`, as botocore reads it: the entry's name in
 * any case, and `[DEFAULT]`'s entry when the profile has none (configparser gives every section its defaults).
 * Undefined without one.
 */
export function credentialsEntry(dataDir: string, entry: 'aws_access_key_id' | 'loam_api_token'): string | undefined {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return undefined;
  const kinds = classifyIni(readFileSync(file, 'utf8').split(/\r\n|\r|\n/));
  const find = (profile: string): string | undefined =>
    sectionsOf(kinds, profile).flatMap((s) => kinds.slice(s.header + 1, s.end)).find((k) => k.entry?.name === entry)?.entry?.value;
  if (sectionsOf(kinds, 'loam').length === 0) return undefined;
  return find('loam') ?? find('DEFAULT');
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
  return await forgetCredentialsKey(dataDir, [accessKeyId]);
}

import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { classifyIni, contentOf, hasLineEnd, insertionIndent, isBlankOrComment, lineEndOf, linesOf, sectionsOf, withoutBom, type IniLine } from './credentials-ini.js';

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
export function writeCredentialsFile(dataDir: string, c: LoamCredentials): string {
  const file = join(dataDir, 'credentials');
  for (const [name, value] of [['aws_access_key_id', c.accessKeyId], ['aws_secret_access_key', c.secretAccessKey], ['region', c.region], ['loam_api_token', c.apiToken], ['loam_endpoint', c.endpoint]] as const) oneLine(file, name, value);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  withFileLock(file, () => writeLocked(file, c));
  return file;
}

function writeLocked(file: string, c: LoamCredentials): void {
  const text = existsSync(file) ? withoutBom(readFileSync(file, 'utf8')) : '';
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
    replaceFile(file, (text.trim() ? `${text.trimEnd()}${eol}${eol}` : '') + `[loam]${eol}` + own.join(''));
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
  replaceFile(file, out.map((l, i) => (i < out.length - 1 && !hasLineEnd(l) ? l + eol : l)).join(''));
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
 * Replaces `file` with `text` through a temporary file (a reader never sees half of it), durably: the admin is
 * committed after its credentials are written, so they must survive power loss. Mode 0600; a symbolic link (a
 * dotfile manager's) is kept and its target replaced, the temporary file made next to the target, and the target
 * keeps its mode.
 */
function replaceFile(file: string, text: string): void {
  const target = linkTarget(file);
  const mode = target !== file && existsSync(target) ? statSync(target).mode & 0o7777 : 0o600;
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode); // a temporary file left by a crash keeps its own mode otherwise
    fsyncPath(tmp);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true }); // no part-written copy of the secrets is left beside the file
    throw unwritable(file, target, e);
  }
  fsyncPath(dirname(target));
}

/** `e`, or for a symbolic link an error naming it and its target: `e` names only Loam's file beside the target, in a directory the user may not know Loam writes to. */
function unwritable(file: string, target: string, e: unknown): unknown {
  if (target === file) return e;
  const why = (e as Error).message;
  return Object.assign(new Error(`Could not write the credentials file ${file}, a symbolic link to ${target} (${why}): Loam replaces the link's target through a lock file and a temporary file beside it. Make ${dirname(target)} exist and be writable for Loam, or replace the link with a file.`), { code: (e as NodeJS.ErrnoException).code, cause: e });
}

/** A lock older than this is stale whoever holds it: a rewrite holds it for milliseconds. */
const LOCK_STALE_MS = 60_000;
/**
 * How long a writer waits for another's lock before saying so: past LOCK_STALE_MS, so that a lock a crash left, whose
 * owner cannot be told gone (another host's, another pid namespace's), is waited out rather than failed on.
 */
const LOCK_WAIT_MS = LOCK_STALE_MS + 15_000;

/**
 * Runs `update` (a read, change and replaceFile of `file`) holding `<target>.lock` beside the file a symbolic link
 * ends at: two data directories whose `credentials` link one shared file (two Loam servers, or a server and `loam
 * admin`) would otherwise each read the file before the other's rename and write back their own copy, one update lost.
 * The lock is created exclusively and holds its owner's pid, host and pid namespace; a lock left by a process that died
 * (its pid gone in our pid namespace on our host, or our own pid), or older than a minute, is stale and taken over
 * (breakStaleLock). The wait is synchronous: a rewrite holds the lock for a few milliseconds.
 */
function withFileLock<T>(file: string, update: () => T): T {
  const target = linkTarget(file);
  const lock = `${target}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(file, target, e);
      if (breakStaleLock(lock)) continue;
      if (Date.now() > deadline) {
        throw Object.assign(new Error(`Could not update the credentials file ${file}: another process has held its lock ${lock} (${lockOwner(lock)}) for over ${LOCK_WAIT_MS / 1000} s. If no Loam process is writing the file, delete ${lock}.`), { code: 'ETIMEDOUT' });
      }
      sleepSync(pause);
      continue;
    }
    const mine = `${process.pid} ${hostname()} ${pidNamespace()} ${randomUUID()}\n`;
    try {
      writeSync(fd, mine);
    } finally {
      closeSync(fd);
    }
    try {
      return update();
    } finally {
      // Not another writer's: ours is taken over when held past LOCK_STALE_MS.
      if (lockState(lock)?.text === mine) rmSync(lock, { force: true });
    }
  }
}

/**
 * This process's pid namespace (Linux), '-' where there is none to read. A pid names the same process only within one:
 * a container sharing the file over a bind mount (with the host's hostname: host networking) has its own, in which the
 * host's writer's pid is gone or is its own (1).
 */
function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '-';
  }
}

/** The text and modification time of `lock`, undefined when it is gone. */
function lockState(lock: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { text: readFileSync(lock, 'utf8'), mtimeMs: statSync(lock).mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Removes `lock` when the process that took it is gone or it is older than LOCK_STALE_MS; true when it is gone now
 * (removed, or released meanwhile). Another writer that read the same stale lock may have removed it and taken a new
 * one since: the lock is removed only by the holder of `<lock>.break` (one writer at a time, for two system calls),
 * and only when it still is the lock that was read, so a live lock is never moved or removed.
 */
function breakStaleLock(lock: string): boolean {
  const seen = lockState(lock);
  if (seen === undefined) return true;
  const [pid, host, namespace] = seen.text.split(' ');
  const dead = host === hostname() && namespace === pidNamespace() && (Number(pid) === process.pid || !alive(Number(pid)));
  if (!dead && Date.now() - seen.mtimeMs < LOCK_STALE_MS) return false;
  const breaking = `${lock}.break`;
  let fd: number;
  try {
    fd = openSync(breaking, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another writer is breaking it; or one died doing so and left `breaking`, stale after a while as a lock is.
    try {
      if (Date.now() - statSync(breaking).mtimeMs >= LOCK_STALE_MS) rmSync(breaking, { force: true });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'ENOENT') throw e2;
    }
    return false;
  }
  closeSync(fd);
  try {
    // Its time too: a lock a writer has just created is empty for a moment, as is one whose writer died right then.
    const now = lockState(lock);
    if (now?.text === seen.text && now.mtimeMs === seen.mtimeMs) rmSync(lock, { force: true });
  } finally {
    rmSync(breaking, { force: true });
  }
  return true;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockOwner(lock: string): string {
  try {
    const [pid, host] = readFileSync(lock, 'utf8').split(' ');
    return pid && host ? `process ${pid} on ${host}` : 'being written';
  } catch {
    return 'released since';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The file a chain of symbolic links at `file` ends at (which may not exist yet); `file` when it is no link. */
function linkTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!lstatSync(path).isSymbolicLink()) return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw e;
    }
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw Object.assign(new Error(`${file}: too many levels of symbolic links`), { code: 'ELOOP' });
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
 * Updates only the `[loam]` profile's `loam_endpoint` (the port can change between starts), adding the line if the
 * profile lost it. Other profiles are left as they are, a `loam_endpoint` of their own included (it used to be the
 * first `loam_endpoint` line of the file that was replaced, whichever profile held it). The entry is found as botocore
 * finds it, whatever its case (`LOAM_ENDPOINT`) and delimiter (`:`): a second one would make boto3 refuse the file.
 * Written through a temporary file (replaceFile), under the file's lock (withFileLock). Each line keeps its own line end.
 */
export function updateCredentialsEndpoint(dataDir: string, endpoint: string): void {
  const file = join(dataDir, 'credentials');
  oneLine(file, 'loam_endpoint', endpoint);
  if (!existsSync(file)) return;
  withFileLock(file, () => updateEndpointLocked(file, endpoint));
}

function updateEndpointLocked(file: string, endpoint: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
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
  replaceFile(file, next);
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
 * key the server no longer knows. The profile's other lines (its `loam_api_token`, which still works, region and
 * endpoint) and every other profile are kept as they are. Undefined when nothing was changed.
 */
export function forgetCredentialsKey(dataDir: string, deleted: readonly string[]): ForgottenCredentialsKey | undefined {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return undefined;
  return withFileLock(file, () => forgetLocked(file, deleted));
}

function forgetLocked(file: string, deleted: readonly string[]): ForgottenCredentialsKey | undefined {
  if (!existsSync(file)) return undefined;
  const lines = linesOf(withoutBom(readFileSync(file, 'utf8')));
  const kinds = classifyIni(lines.map(contentOf));
  const loam = sectionsOf(kinds, 'loam')[0];
  if (!loam) return undefined;
  const accessKeyId = kinds.slice(loam.header + 1, loam.end).find((k) => k.entry?.name === 'aws_access_key_id')?.entry?.value;
  if (accessKeyId === undefined || !deleted.includes(accessKeyId)) return undefined;
  // A key entry goes with the lines that continue its value (an indented `[work]` left behind would start a profile).
  const kept = keptLines(lines, kinds, loam.header + 1, loam.end, (name) => KEY_ENTRIES.has(name)).map((i) => lines[i] as string);
  lines.splice(loam.header + 1, loam.end - loam.header - 1, ...kept);
  replaceFile(file, lines.join(''));
  return { file, profile: 'loam', accessKeyId };
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
  return forgetCredentialsKey(dataDir, [accessKeyId]);
}

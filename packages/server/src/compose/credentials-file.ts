import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { classifyIni, contentOf, insertionIndent, isBlankOrComment, linesOf, sectionsOf, withoutBom, type IniLine } from './credentials-ini.js';

export interface LoamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly apiToken: string;
  readonly region: string;
  readonly endpoint: string;
}

/** The `[loam]` entries Loam writes and replaces; a user's other entries there (a `region` of their own too) are kept. */
const OWNED = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'loam_api_token', 'loam_endpoint']);

/**
 * Writes `<data-dir>/credentials` in the AWS shared-credentials INI format, profile `[loam]`, mode
 * 0600, so `AWS_SHARED_CREDENTIALS_FILE=<data-dir>/credentials AWS_PROFILE=loam` works for boto3 and
 * the aws CLI as it is; `loam_api_token` is the bearer token for REST, MLflow and load tools. Other
 * profiles in the file are kept, and so is what the user wrote in `[loam]` besides the entries Loam owns
 * (access key, secret, session token, API token, endpoint): comments, other settings, and a `region` of their own
 * (Loam's is written only when the profile has none; the server takes signatures for any region). A symbolic link is
 * written through (replaceFile). A leading byte order mark is dropped: boto3 refuses a file that starts with one.
 */
export function writeCredentialsFile(dataDir: string, c: LoamCredentials): string {
  const file = join(dataDir, 'credentials');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = existsSync(file) ? withoutBom(readFileSync(file, 'utf8')) : '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = linesOf(text);
  const kinds = classifyIni(lines.map(contentOf));
  const sections = sectionsOf(kinds, 'loam');
  // A [loam] given twice (botocore refuses the file) becomes one: the later ones' kept lines join the first.
  const kept = sections.flatMap((s) => keptLines(lines, kinds, s.header + 1, s.end, (name) => OWNED.has(name)));
  const hasRegion = kept.some((i) => kinds[i]?.entry?.name === 'region');
  const own = [
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${c.secretAccessKey}`,
    ...(hasRegion ? [] : [`region = ${c.region}`]),
    `loam_api_token = ${c.apiToken}`,
    `loam_endpoint = ${c.endpoint}`,
  ].map((l) => l + eol);
  const first = sections[0];
  if (!first) {
    replaceFile(file, (text.trim() ? `${text.trimEnd()}${eol}${eol}` : '') + `[loam]${eol}` + own.join(''));
    return file;
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
  replaceFile(file, out.map((l, i) => (i < out.length - 1 && !l.endsWith('\n') ? l + eol : l)).join(''));
  return file;
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
    if (target === file) throw e;
    // The error names only the temporary file, in a directory the user may not know Loam writes to.
    const why = (e as Error).message;
    throw Object.assign(new Error(`Could not write the credentials file ${file}, a symbolic link to ${target} (${why}): Loam replaces the link's target through a temporary file beside it. Make ${dirname(target)} exist and be writable for Loam, or replace the link with a file.`), { code: (e as NodeJS.ErrnoException).code, cause: e });
  }
  fsyncPath(dirname(target));
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
 * Written through a temporary file (replaceFile).
 */
export function updateCredentialsEndpoint(dataDir: string, endpoint: string): void {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = withoutBom(text).split(/\r?\n/);
  const kinds = classifyIni(lines);
  const loam = sectionsOf(kinds, 'loam')[0];
  if (!loam) return;
  let last = loam.header;
  let at = -1;
  for (let i = loam.header + 1; i < loam.end; i++) {
    if ((lines[i] as string).trim() !== '') last = i;
    if (kinds[i]?.entry?.name === 'loam_endpoint') at = i;
  }
  const entry = `loam_endpoint = ${endpoint}`;
  if (at >= 0) {
    // The lines continuing the old value go with it; its indent stays (the lines below are read as they were).
    let end = at + 1;
    for (let j = at + 1; j < loam.end && kinds[j]?.entry === undefined; j++) if (kinds[j]?.continues) end = j + 1;
    lines.splice(at, end - at, insertionIndent(lines[at] as string, false, undefined) + entry);
  } else {
    const above = range(loam.header, last + 1).findLast((i) => kinds[i]?.profile !== undefined || kinds[i]?.entry !== undefined) as number;
    const below = lines.slice(last + 1).find((l) => !isBlankOrComment(l));
    lines.splice(last + 1, 0, insertionIndent(lines[above] as string, above === loam.header, below) + entry);
  }
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

const KEY_ENTRIES = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);

/**
 * After `loam admin forget-unreadable-access-keys`: when the `[loam]` profile names one of the deleted
 * access keys, removes its `aws_access_key_id`, `aws_secret_access_key` (and any `aws_session_token`)
 * entries, whatever their case, so AWS clients using the profile say it has no credentials instead of signing with a
 * key the server no longer knows. The profile's other lines (its `loam_api_token`, which still works, region and
 * endpoint) and every other profile are kept as they are. Undefined when nothing was changed.
 */
export function forgetCredentialsKey(dataDir: string, deleted: readonly string[]): ForgottenCredentialsKey | undefined {
  const file = join(dataDir, 'credentials');
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
  const kinds = classifyIni(readFileSync(file, 'utf8').split(/\r?\n/));
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

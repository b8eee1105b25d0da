import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { indentOf, pyRstrip, pyStrip } from '@loam/server/compose/credentials-ini';

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
 * The profiles of an AWS shared-credentials INI file, read as botocore (boto3, the aws CLI) reads one with Python's
 * configparser: a header runs up to its line's last `]` (`[work]  # note` is [work]) and names the profile as
 * written between the brackets (`[ loam ]` is ` loam `, not [loam]); a line indented deeper than the entry above
 * it continues that entry's value, a `[work]` line too; entry names are lower-cased; `#` and `;` start comment
 * lines only. `[DEFAULT]` is no profile: its entries are every profile's where the profile has none of its own.
 * Where botocore refuses the file (an entry before any header, a line that is no entry, a profile or an entry given
 * twice, a leading byte order mark, a value starting on the line below its name, which botocore reads as a nested block
 * of `name = value` lines, with a line that is none), so does this, naming the line.
 * @throws CredentialsError InvalidCredentialsFile
 */
function readProfiles(file: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  const defaults: Record<string, string> = {};
  // Where each entry was given, to name it when its value is refused below.
  const given = new Map<Record<string, string>, Map<string, readonly [number, string]>>();
  const givenIn = (p: Record<string, string>): Map<string, readonly [number, string]> => given.get(p) ?? given.set(p, new Map()).get(p)!;
  const refuse = (n: number, line: string, why: string): never => {
    // A byte order mark is invisible in an editor: say it is there (Python reads it as a character, not as whitespace).
    const bom = line.includes('\ufeff') ? ' (it holds a byte order mark, U+FEFF, that boto3 reads as text: save the file as UTF-8 without BOM)' : '';
    throw new CredentialsError('InvalidCredentialsFile', `${file} line ${n} (${JSON.stringify(line)}) ${why}${bom}: boto3 and the aws CLI refuse this file, and so does loam. Fix that line, or ${howToFix}.`);
  };
  let current: Record<string, string> | undefined;
  let entry: string | undefined;
  let indent = 0;
  for (const [i, raw] of readFileSync(file, 'utf8').split(/\r\n|\r|\n/).entries()) {
    const line = pyStrip(raw);
    if (line.startsWith('#') || line.startsWith(';')) continue;
    if (!line) {
      // An empty line inside a value is kept in it (its trailing ones are dropped at the end).
      if (current && entry !== undefined) current[entry] += '\n';
      continue;
    }
    const at = indentOf(raw);
    if (current && entry !== undefined && at > indent) {
      current[entry] = `${current[entry]}\n${line}`;
      continue;
    }
    indent = at;
    const section = /^\[(.+)\]/.exec(line)?.[1];
    if (section !== undefined) {
      // configparser's default section: given again, it goes on (an entry it already has is refused below).
      if (section === 'DEFAULT') current = defaults;
      else if (profiles.has(section)) refuse(i + 1, raw, `starts profile [${section}] a second time`);
      else profiles.set(section, (current = {}));
      entry = undefined;
      continue;
    }
    if (!current) return refuse(i + 1, raw, 'comes before any [profile] header');
    const kv = /^(.*?)[=:](.*)$/s.exec(line);
    entry = kv ? pyRstrip(kv[1] as string).toLowerCase() : '';
    if (!kv || !entry) return refuse(i + 1, raw, 'is not a `name = value` entry');
    if (Object.hasOwn(current, entry)) refuse(i + 1, raw, `gives ${entry} a second time in its profile`);
    current[entry] = pyStrip(kv[2] as string);
    givenIn(current).set(entry, [i + 1, raw]);
  }
  for (const p of [defaults, ...profiles.values()]) for (const [k, v] of Object.entries(p)) p[k] = pyRstrip(v);
  for (const [name, own] of profiles) {
    const p = { ...defaults, ...own };
    // botocore reads a value that starts on the line below its name as `name = value` lines (`s3 =` and, indented,
    // `addressing_style = path`), split as Python's str.splitlines splits, and refuses the file for a line of it without `=`.
    for (const [k, v] of Object.entries(p)) {
      const bad = v.startsWith('\n') ? pySplitlines(v).map(pyStrip).find((l) => l && !l.includes('=')) : undefined;
      if (bad === undefined) continue;
      const [n, raw] = givenIn(own).get(k) ?? (givenIn(defaults).get(k) as readonly [number, string]);
      refuse(n, raw, `starts a value on the line below it, which botocore reads as a nested block of \`name = value\` lines, and its line ${JSON.stringify(bad)} is none`);
    }
    profiles.set(name, p);
  }
  return profiles;
}

/** Python's `str.splitlines()`: lines end at \r\n, \n, \r, \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029. */
function pySplitlines(text: string): string[] {
  return text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
}

/**
 * Reads one profile of an AWS shared-credentials INI file, as botocore reads it (readProfiles).
 * @throws CredentialsError InvalidCredentialsFile when boto3 and the aws CLI would refuse the file
 */
export function readCredentialsProfile(file: string, profile = 'loam'): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  const out = readProfiles(file).get(profile);
  return out && Object.keys(out).length ? out : undefined;
}

/** The credentials file or the profile the CLI needed is not there or not readable (code NoCredentials, ProfileNotFound or InvalidCredentialsFile). */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    readonly code: 'NoCredentials' | 'ProfileNotFound' | 'InvalidCredentialsFile',
    message: string,
  ) {
    super(message);
  }
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
  // An empty LOAM_* variable counts as unset. The file is read only for what flags and environment leave out.
  const given = { endpoint: flags.endpoint ?? (env.LOAM_ENDPOINT || undefined), token: flags.token ?? (env.LOAM_TOKEN || undefined) };
  const creds = given.endpoint !== undefined && given.token !== undefined ? undefined : readCredentialsProfile(file, profile);
  const endpoint = given.endpoint ?? oneLine(file, profile, 'loam_endpoint', creds?.loam_endpoint) ?? 'http://127.0.0.1:7717';
  const token = given.token ?? oneLine(file, profile, 'loam_api_token', creds?.loam_api_token);
  if (token === undefined) {
    if (!existsSync(file)) throw new CredentialsError('NoCredentials', `No credentials: ${file} does not exist (wanted profile [${profile}] for the API token). ${howToFix[0]!.toUpperCase()}${howToFix.slice(1)}.`);
    if (!creds) {
      const have = [...readProfiles(file).keys()];
      throw new CredentialsError('ProfileNotFound', `Profile [${profile}] is not in ${file} (it has ${have.length ? have.map((p) => `[${p}]`).join(', ') : 'no profiles'}). Pass --profile <one of them>, or ${howToFix}.`);
    }
    throw new CredentialsError('NoCredentials', `Profile [${profile}] in ${file} has no loam_api_token. Pass --token (or set LOAM_TOKEN), or ${howToFix}.`);
  }
  return { endpoint, token, dataDir };
}

/**
 * A setting's value from the file, refused when it spans lines (lines indented below it continue it): no endpoint or
 * token is, and one starting on the line below its name is a nested block of settings to boto3, or a file it refuses.
 * @throws CredentialsError InvalidCredentialsFile
 */
function oneLine(file: string, profile: string, name: string, value: string | undefined): string | undefined {
  if (value === undefined || !value.includes('\n')) return value;
  const nested = value.startsWith('\n') ? ': its value starts on the line below the name, which boto3 and the aws CLI read as a nested block of settings' : '';
  throw new CredentialsError('InvalidCredentialsFile', `Profile [${profile}] in ${file}: ${name} spans ${value.split('\n').length} lines (${JSON.stringify(value)})${nested}. Write it on one line, \`${name} = <value>\` with no indented line below it, or ${howToFix}.`);
}

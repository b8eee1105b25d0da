import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { botocoreProfiles } from '@loam/testkit/peers/botocore-config';
import { clientSettings, readCredentialsProfile } from './settings.js';
import { runCli } from './run-cli.test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noEnv = {};

describe('clientSettings: where the token comes from', () => {
  it('says the credentials file is missing, naming it and the profile', () => {
    const missing = join(dir, 'nothing-here');
    expect(() => clientSettings({ dataDir: missing }, noEnv)).toThrow(`No credentials: ${join(missing, 'credentials')} does not exist (wanted profile [loam] for the API token).`);
    expect(() => clientSettings({ dataDir: missing }, noEnv)).toThrow(expect.objectContaining({ code: 'NoCredentials' }) as never);
  });

  it('says the profile is not in the file, listing the ones it has', () => {
    writeFileSync(join(dir, 'credentials'), '[loam]\nloam_api_token = loam_abc\nloam_endpoint = http://127.0.0.1:7799\n\n[ci]\naws_access_key_id = LKIA\n');
    expect(() => clientSettings({ dataDir: dir, profile: 'prod' }, noEnv)).toThrow(`Profile [prod] is not in ${join(dir, 'credentials')} (it has [loam], [ci]).`);
    expect(() => clientSettings({ dataDir: dir, profile: 'ci' }, noEnv)).toThrow(`Profile [ci] in ${join(dir, 'credentials')} has no loam_api_token.`);
    expect(clientSettings({ dataDir: dir }, noEnv)).toMatchObject({ endpoint: 'http://127.0.0.1:7799', token: 'loam_abc' });
  });

  it('needs no file when the token comes from a flag or the environment', () => {
    expect(clientSettings({ dataDir: join(dir, 'none'), token: 't' }, noEnv)).toMatchObject({ endpoint: 'http://127.0.0.1:7717', token: 't' });
    expect(clientSettings({ dataDir: join(dir, 'none') }, { LOAM_TOKEN: 'e', LOAM_ENDPOINT: 'http://x' })).toMatchObject({ endpoint: 'http://x', token: 'e' });
  });

  it('is what a command prints, instead of "Cannot reach Loam at http://127.0.0.1:7717"', async () => {
    vi.stubEnv('LOAM_TOKEN', '');
    vi.stubEnv('LOAM_ENDPOINT', '');
    const r = await runCli(['--data-dir', dir, '--profile', 'nosuch', 'list-users']);
    vi.unstubAllEnvs();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error [ProfileNotFound]: Profile [nosuch] is not in ${join(dir, 'credentials')} (it has [loam], [ci]). Pass --profile <one of them>, or pass --data-dir <the data directory \`loam up\` printed> (or set LOAM_DATA_DIR), or give --endpoint and --token (LOAM_ENDPOINT, LOAM_TOKEN).\n`);
  });
});

/** The same profiles as loam's CLI reads them; 'refused' when it refuses the file as InvalidCredentialsFile. */
function loamProfiles(file: string, names: readonly string[]): Record<string, Record<string, string> | null> | 'refused' {
  try {
    return Object.fromEntries(names.map((n) => [n, readCredentialsProfile(file, n) ?? null]));
  } catch (e) {
    if ((e as { code?: string }).code === 'InvalidCredentialsFile') return 'refused';
    throw e;
  }
}

describe('readCredentialsProfile reads a credentials file as botocore does', () => {
  it.each([
    ['spaces inside the brackets name another profile', '[ loam ]\naws_access_key_id = SPACED\nloam_api_token = loam_spaced\n[loam]\naws_access_key_id = PLAIN\nloam_api_token = loam_plain\n'],
    ['a spaced header alone is not [loam]', '[ loam ]\naws_access_key_id = SPACED\nloam_api_token = loam_spaced\n'],
    ['a header followed by a comment starts its profile', '[loam]\naws_access_key_id = PLAIN\nloam_api_token = loam_plain\n[work]  # note\naws_access_key_id = WORK\n'],
    ['an indented header under an entry continues its value', '[loam]\naws_access_key_id = PLAIN\n  [work]\nloam_api_token = loam_plain\n'],
    ['an indented header directly under a header starts a profile', '[loam]\n  [work]\naws_access_key_id = WORK\n'],
    ['an indented header after a blank line still continues the value', '[loam]\naws_access_key_id = PLAIN\n\n  [work]\nloam_api_token = loam_plain\n'],
    ['indented entries, comments and blank lines inside a value', '[loam]\n  aws_access_key_id = PLAIN\n    more\n  # a comment\n\n    last\n\n[work]\naws_access_key_id = WORK\n'],
    ['entry names are case-insensitive, `:` is a delimiter too', '[loam]\nAWS_Access_Key_Id: PLAIN\nLoam_Api_Token=loam_plain # not a comment\n'],
    ['CRLF and lone CR line ends', '[loam]\r\naws_access_key_id = PLAIN\r[work]\r\naws_access_key_id = WORK\r\n'],
    ['entries before any header are refused', 'aws_access_key_id = STRAY\n[loam]\naws_access_key_id = PLAIN\n'],
    ['a line that is no entry is refused', '[loam]\naws_access_key_id = PLAIN\njunk\n'],
    ['a profile given twice is refused', '[loam]\naws_access_key_id = ONE\n[loam]\nloam_api_token = loam_plain\n'],
    ['an entry given twice is refused', '[loam]\naws_access_key_id = ONE\n\n  [work]\naws_access_key_id = TWO\n'],
    ['[DEFAULT] entries are every profile\'s where it has none of its own, and [DEFAULT] is no profile', '[DEFAULT]\nregion = eu-west-1\nloam_api_token = loam_default\n[loam]\nloam_api_token = loam_plain\n[work]\n'],
    ['[DEFAULT] after the profiles applies to them too', '[loam]\nregion = us-east-1\n[DEFAULT]\nregion = eu-west-1\nloam_api_token = loam_default\n'],
    ['[DEFAULT] given twice goes on', '[DEFAULT]\nregion = eu-west-1\n[DEFAULT]\nloam_api_token = loam_default\n[loam]\n'],
    ['[DEFAULT] giving an entry twice is refused', '[DEFAULT]\nregion = eu-west-1\n[DEFAULT]\nregion = us-east-1\n[loam]\nloam_api_token = loam_plain\n'],
    ['[default], [Default] and [ DEFAULT ] are profiles', '[default]\nloam_api_token = a\n[Default]\nloam_api_token = b\n[ DEFAULT ]\nloam_api_token = c\n'],
    ['upper-case entry names given twice are refused', '[loam]\nLOAM_API_TOKEN = one\nloam_api_token = two\n'],
    ['a leading byte order mark is refused', '\ufeff[loam]\nloam_api_token = loam_plain\n'],
    ['a byte order mark in the middle (files joined) is refused', '[work]\nregion = eu-west-1\n\ufeff[loam]\nloam_api_token = loam_plain\n'],
    ['a byte order mark is part of a value, not space around it', '[loam]\nloam_api_token = loam_plain\n  \ufeffmore\nregion =\ufeff\n'],
    ['a value starting on the line below its name, a line of it no `name = value`, is refused', '[loam]\nloam_endpoint =\n  http://127.0.0.1:7717\nloam_api_token = loam_plain\n'],
    ['so is one after an empty line', '[loam]\nloam_api_token = loam_plain\nloam_endpoint =\n\n  http://127.0.0.1:7717\n'],
    ['so is one split by a vertical tab (Python splitlines)', '[loam]\nloam_api_token = loam_plain\ns3 =\n  addressing_style = path\u000bsignature_version\n'],
    ["so is [DEFAULT]'s, given to a profile", '[DEFAULT]\ns3 =\n  nope\n[loam]\nloam_api_token = loam_plain\n'],
    ["[DEFAULT]'s is not read without a profile", '[DEFAULT]\ns3 =\n  nope\n'],
  ])('%s', (_name, text) => {
    const file = join(dir, 'botocore-credentials');
    writeFileSync(file, text);
    const boto = botocoreProfiles(file);
    const names = ['loam', ' loam ', 'work', 'DEFAULT', 'default', 'Default', ' DEFAULT '];
    // A nested block botocore reads as settings stays one text here; the cases above have none that botocore accepts.
    const expected = boto === 'refused' ? boto : Object.fromEntries(names.map((n) => [n, boto[n] && Object.keys(boto[n]).length ? boto[n] : null]));
    expect(loamProfiles(file, names)).toEqual(expected);
  });

  it('names the line botocore refuses, and a token from flags needs no file', () => {
    const d = join(dir, 'stray');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'credentials'), 'aws_access_key_id = STRAY\n[loam]\nloam_api_token = loam_x\n');
    expect(() => clientSettings({ dataDir: d }, noEnv)).toThrow(expect.objectContaining({ code: 'InvalidCredentialsFile', message: expect.stringContaining(`${join(d, 'credentials')} line 1 ("aws_access_key_id = STRAY") comes before any [profile] header: boto3 and the aws CLI refuse this file`) as string }) as never);
    expect(clientSettings({ dataDir: d, endpoint: 'http://x', token: 't' }, noEnv)).toMatchObject({ endpoint: 'http://x', token: 't' });
  });

  it('says a byte order mark is what boto3 refuses the file for, and lists no [DEFAULT] among the profiles', () => {
    const d = join(dir, 'bom');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'credentials'), '\ufeff[loam]\nloam_api_token = loam_x\n');
    expect(() => clientSettings({ dataDir: d }, noEnv)).toThrow(expect.objectContaining({ code: 'InvalidCredentialsFile', message: expect.stringContaining('line 1 ("\ufeff[loam]") comes before any [profile] header (it holds a byte order mark, U+FEFF, that boto3 reads as text: save the file as UTF-8 without BOM)') as string }) as never);
    writeFileSync(join(d, 'credentials'), '[DEFAULT]\nregion = eu-west-1\n[ci]\nloam_api_token = loam_ci\n');
    expect(() => clientSettings({ dataDir: d, profile: 'prod' }, noEnv)).toThrow(`Profile [prod] is not in ${join(d, 'credentials')} (it has [ci]).`);
    expect(() => clientSettings({ dataDir: d, profile: 'DEFAULT' }, noEnv)).toThrow(expect.objectContaining({ code: 'ProfileNotFound' }) as never);
  });
});

describe('clientSettings: an endpoint or token that spans lines', () => {
  it.each([
    ['starts on the line below its name (boto3: a nested block)', '[loam]\nloam_api_token =\n  a = b\n', 'loam_api_token', 'loam_api_token spans 2 lines ("\\na = b"): its value starts on the line below the name, which boto3 and the aws CLI read as a nested block of settings.'],
    ['goes on on an indented line', '[loam]\nloam_api_token = loam_abc\nloam_endpoint = http://127.0.0.1:7799\n  /more\n', 'loam_endpoint', 'loam_endpoint spans 2 lines ("http://127.0.0.1:7799\\n/more").'],
  ])('is refused, naming the setting, when it %s', (_name, text, setting, why) => {
    const d = join(dir, `multi-${setting}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'credentials'), text);
    // The old reader sent such a token as it was (a header Node refuses to send), or such an endpoint.
    expect(() => clientSettings({ dataDir: d }, noEnv)).toThrow(expect.objectContaining({ code: 'InvalidCredentialsFile', message: `Profile [loam] in ${join(d, 'credentials')}: ${why} Write it on one line, \`${setting} = <value>\` with no indented line below it, or pass --data-dir <the data directory \`loam up\` printed> (or set LOAM_DATA_DIR), or give --endpoint and --token (LOAM_ENDPOINT, LOAM_TOKEN).` }) as never);
    // Given by a flag, the file's value is not used.
    expect(clientSettings({ dataDir: d, endpoint: 'http://x', token: 't' }, noEnv)).toMatchObject({ endpoint: 'http://x', token: 't' });
  });

  it('names the line of a nested block botocore refuses the file for', () => {
    const d = join(dir, 'nested');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'credentials'), '[loam]\nloam_api_token = loam_abc\nloam_endpoint =\n  http://127.0.0.1:7799\n');
    expect(() => clientSettings({ dataDir: d }, noEnv)).toThrow(expect.objectContaining({ code: 'InvalidCredentialsFile', message: expect.stringContaining(`${join(d, 'credentials')} line 3 ("loam_endpoint =") starts a value on the line below it, which botocore reads as a nested block of \`name = value\` lines, and its line "http://127.0.0.1:7799" is none: boto3 and the aws CLI refuse this file`) as string }) as never);
  });
});

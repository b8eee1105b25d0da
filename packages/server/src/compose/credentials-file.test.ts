import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { botocoreProfiles } from '@loam/testkit/peers/botocore-config';
import { credentialsEntry, credentialsTakenFromDefault, forgetCredentialsKey, updateCredentialsEndpoint, writeCredentialsFile } from './credentials-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'loam-creds-'));
  dirs.push(d);
  return d;
}
const creds = { accessKeyId: 'LKIAFIRST', secretAccessKey: 'secret', apiToken: 'loam_tok', region: 'us-east-1', endpoint: 'http://127.0.0.1:7717' };

/** What the CLI reads: one profile's keys (as settings.ts's INI reader). */
function profileOf(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const h = /^\s*\[(.+)\]\s*$/.exec(line);
    if (h) inside = (h[1] as string).trim() === name;
    const kv = /^\s*([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (inside && kv) out[kv[1] as string] = (kv[2] as string).trim();
  }
  return out;
}

describe('the credentials file when a later start listens elsewhere (loam up --port 0)', () => {
  it("updates [loam]'s loam_endpoint, not another profile's that comes first", async () => {
    const dir = dataDir();
    // Profiles kept from before the first start are written ahead of [loam].
    writeFileSync(join(dir, 'credentials'), '[ci]\nloam_api_token = loam_ci\nloam_endpoint = http://ci.test\n');
    await writeCredentialsFile(dir, creds);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40123');
    const text = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(profileOf(text, 'loam')).toEqual({ aws_access_key_id: 'LKIAFIRST', aws_secret_access_key: 'secret', region: 'us-east-1', loam_api_token: 'loam_tok', loam_endpoint: 'http://127.0.0.1:40123' });
    expect(profileOf(text, 'ci')).toEqual({ loam_api_token: 'loam_ci', loam_endpoint: 'http://ci.test' });
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o600);
  });

  it('adds the line to [loam] when it was removed or written without spaces, and keeps CRLF line ends', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'credentials'), '[loam]\r\naws_access_key_id = LKIA\r\n\r\n[other]\r\nregion = eu-west-1\r\n');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40124');
    let text = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(text).toBe('[loam]\r\naws_access_key_id = LKIA\r\nloam_endpoint = http://127.0.0.1:40124\r\n\r\n[other]\r\nregion = eu-west-1\r\n');
    writeFileSync(join(dir, 'credentials'), '[loam]\nloam_endpoint=http://127.0.0.1:1\n');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40125');
    text = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(text).toBe('[loam]\nloam_endpoint = http://127.0.0.1:40125\n');
  });

  it('stays 0600 when a crashed start left its temporary file readable by others', async () => {
    const dir = dataDir();
    await writeCredentialsFile(dir, creds);
    // The temporary file is named after the process; one left behind keeps its mode through writeFileSync.
    writeFileSync(join(dir, `credentials.tmp-${process.pid}`), 'stale', { mode: 0o644 });
    chmodSync(join(dir, `credentials.tmp-${process.pid}`), 0o644);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40127');
    expect(profileOf(readFileSync(join(dir, 'credentials'), 'utf8'), 'loam').loam_endpoint).toBe('http://127.0.0.1:40127');
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o600);
  });

  it('leaves a file without a [loam] profile alone', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'credentials'), '[ci]\nloam_endpoint = http://ci.test\n');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40126');
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe('[ci]\nloam_endpoint = http://ci.test\n');
  });
});

describe('the credentials file after loam admin forget-unreadable-access-keys', () => {
  it("drops the deleted key's lines from [loam] only, keeping its token, region and endpoint and every other profile as it was", async () => {
    const dir = dataDir();
    const others = '[ci]\r\naws_access_key_id = LKIAFIRST\r\naws_secret_access_key = ci-secret\r\n\r\n';
    writeFileSync(join(dir, 'credentials'), `${others}[loam]\r\naws_access_key_id = LKIAFIRST\r\naws_secret_access_key = secret\r\naws_session_token = t\r\nregion = us-east-1\r\nloam_api_token = loam_tok\r\n\r\n[later]\r\nregion = eu-west-1\r\n`);
    expect(await forgetCredentialsKey(dir, ['LKIAOTHER', 'LKIAFIRST'])).toEqual({ file: join(dir, 'credentials'), profile: 'loam', accessKeyId: 'LKIAFIRST' });
    // Another profile naming the same key is the user's own: left alone, as are line ends.
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(`${others}[loam]\r\nregion = us-east-1\r\nloam_api_token = loam_tok\r\n\r\n[later]\r\nregion = eu-west-1\r\n`);
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o600);
    // Run again: [loam] names no key now, so nothing changes.
    expect(await forgetCredentialsKey(dir, ['LKIAFIRST'])).toBeUndefined();
  });

  it("keeps each line's own line end in a file that mixes them (a profile added by another editor)", async () => {
    const dir = dataDir();
    const work = '[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = work-secret\n\n';
    writeFileSync(join(dir, 'credentials'), `${work}[loam]\r\naws_access_key_id = LKIAFIRST\r\naws_secret_access_key = secret\r\nloam_api_token = loam_tok\r\n[later]\nregion = eu-west-1`);
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    // The old rewrite joined every line with the first CRLF it saw: [work]'s and [later]'s lines changed too.
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(`${work}[loam]\r\nloam_api_token = loam_tok\r\n[later]\nregion = eu-west-1`);
  });

  it('ends [loam] at the next profile even when its header line has a comment after it, as AWS clients read it', async () => {
    const dir = dataDir();
    // botocore (configparser) reads `[work] # note` as the header of [work]: its key is the user's own.
    const work = '[work]  # my own\naws_access_key_id = AKIAWORK\naws_secret_access_key = work-secret\n';
    writeFileSync(join(dir, 'credentials'), `[loam]\naws_access_key_id = LKIAFIRST\naws_secret_access_key = secret\nloam_api_token = loam_tok\n\n${work}`);
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    // The old rewrite took [work]'s lines for [loam]'s and removed its key too.
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(`[loam]\nloam_api_token = loam_tok\n\n${work}`);
  });

  it("keeps [loam]'s empty token entries, which keep [DEFAULT]'s tokens out of the profile, and leaves one for a token it drops", async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    const defaults = '[DEFAULT]\naws_session_token = FOREIGN\naws_security_token = FOREIGN_OLD\nloam_api_token = loam_default\n\n';
    writeFileSync(file, `${defaults}[loam]\naws_access_key_id = LKIAFIRST\naws_secret_access_key = secret\naws_session_token =\naws_security_token = key-token\nloam_api_token =\n`);
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    // The old forget dropped the empty aws_session_token (and the key's own token): [loam] took [DEFAULT]'s, which
    // boto3 sends with the next key a user writes into the profile.
    expect(readFileSync(file, 'utf8')).toBe(`${defaults}[loam]\naws_session_token =\naws_security_token =\nloam_api_token =\n`);
    expect(botocoreProfiles(file)).toEqual({ loam: { aws_session_token: '', aws_security_token: '', loam_api_token: '' } });
    expect(credentialsEntry(dir, 'loam_api_token')).toBe('');
    // Without a [DEFAULT] token, the key's token goes with it; an empty entry stays as the user wrote it.
    writeFileSync(file, '[loam]\naws_access_key_id = LKIAFIRST\naws_session_token = key-token\naws_security_token =\n');
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    expect(readFileSync(file, 'utf8')).toBe('[loam]\naws_security_token =\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves [loam] alone when it names a key that was not deleted, and a missing file or profile too', async () => {
    const dir = dataDir();
    expect(await forgetCredentialsKey(dir, ['LKIAFIRST'])).toBeUndefined();
    await writeCredentialsFile(dir, creds);
    const before = readFileSync(join(dir, 'credentials'), 'utf8');
    expect(await forgetCredentialsKey(dir, ['LKIAOTHER'])).toBeUndefined();
    expect(await forgetCredentialsKey(dir, [])).toBeUndefined();
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(before);
    writeFileSync(join(dir, 'credentials'), '[ci]\naws_access_key_id = LKIAFIRST\n');
    expect(await forgetCredentialsKey(dir, ['LKIAFIRST'])).toBeUndefined();
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe('[ci]\naws_access_key_id = LKIAFIRST\n');
  });
});

describe('a profile headed `[ loam ]` (spaces inside the brackets)', () => {
  it('is another profile than [loam], as botocore reads it: writing, updating and forgetting [loam] keep it whole', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    const spaced = '[ loam ]\naws_access_key_id = LKIASPACED\naws_secret_access_key = spaced-secret\nloam_endpoint = http://spaced.test\n';
    writeFileSync(file, spaced);
    await writeCredentialsFile(dir, creds);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40128');
    expect(await forgetCredentialsKey(dir, ['LKIASPACED'])).toBeUndefined();
    const boto = botocoreProfiles(file);
    expect(boto).toMatchObject({ ' loam ': { aws_access_key_id: 'LKIASPACED', loam_endpoint: 'http://spaced.test' }, loam: { aws_access_key_id: 'LKIAFIRST', loam_endpoint: 'http://127.0.0.1:40128' } });
    expect(Object.keys(boto)).toEqual([' loam ', 'loam']);
    expect(readFileSync(file, 'utf8').startsWith(spaced)).toBe(true);
  });
});

describe('an indented `[work]` line under an entry of [loam] (botocore: part of that value, not a profile)', () => {
  it('updating the endpoint changes [loam]\'s own, adding no second one botocore refuses the file for', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[loam]\naws_access_key_id = LKIAFIRST\n  [work]\nloam_endpoint = http://old.test\n');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40128');
    expect(botocoreProfiles(file)).toEqual({ loam: { aws_access_key_id: 'LKIAFIRST\n[work]', loam_endpoint: 'http://127.0.0.1:40128' } });
  });

  it('forgetting the key removes the lines continuing its value with it, and the secret below them', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[loam]\naws_access_key_id = LKIAFIRST\n  [work]\n# kept\naws_secret_access_key = secret\n  more\nloam_api_token = loam_tok\n');
    expect(credentialsEntry(dir, 'loam_api_token')).toBe('loam_tok');
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    expect(botocoreProfiles(file)).toEqual({ loam: { loam_api_token: 'loam_tok' } });
    expect(readFileSync(file, 'utf8')).toBe('[loam]\n# kept\nloam_api_token = loam_tok\n');
  });
});

describe('a bootstrap over a [loam] profile the user added to', () => {
  it("replaces only Loam's entries: the user's comments, settings and own region stay, as boto3 reads them", async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    const work = '[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = work-secret\n';
    writeFileSync(file, `${work}\n[loam]  # Loam's\n# my comment\nAWS_ACCESS_KEY_ID = LKIAOLD\naws_secret_access_key = old\n  continued\nregion = eu-west-1\ncli_pager =\ns3 =\n  addressing_style = path\naws_session_token = stale\n`);
    await writeCredentialsFile(dir, creds);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(`${work}\n[loam]  # Loam's\n# my comment\n`)).toBe(true);
    expect(botocoreProfiles(file)).toEqual({
      work: { aws_access_key_id: 'AKIAWORK', aws_secret_access_key: 'work-secret' },
      // botocore reads an entry with an indented block under it as a nested setting.
      loam: { aws_access_key_id: 'LKIAFIRST', aws_secret_access_key: 'secret', region: 'eu-west-1', cli_pager: '', s3: { addressing_style: 'path' }, loam_api_token: 'loam_tok', loam_endpoint: 'http://127.0.0.1:7717' },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes its region when the profile has none, and joins a [loam] given twice into one boto3 reads', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[loam]\r\n  loam_api_token = old\r\n[work]\r\nregion = us-west-2\r\n[loam]\r\nmy_setting = 1\r\n');
    await writeCredentialsFile(dir, creds);
    expect(readFileSync(file, 'utf8')).toBe('[loam]\r\nmy_setting = 1\r\naws_access_key_id = LKIAFIRST\r\naws_secret_access_key = secret\r\nregion = us-east-1\r\nloam_api_token = loam_tok\r\nloam_endpoint = http://127.0.0.1:7717\r\n[work]\r\nregion = us-west-2\r\n');
  });
});

describe('a credentials file that is a symbolic link (a dotfile manager)', () => {
  it('is written through: the link stays, its target is replaced atomically beside it and keeps its mode', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'dotfiles'));
    const target = join(dir, 'dotfiles', 'aws-credentials');
    writeFileSync(target, '[work]\naws_access_key_id = AKIAWORK\n', { mode: 0o640 });
    chmodSync(target, 0o640);
    mkdirSync(join(dir, 'data'));
    symlinkSync('../dotfiles/aws-credentials', join(dir, 'data', 'credentials'));
    await writeCredentialsFile(join(dir, 'data'), creds);
    await updateCredentialsEndpoint(join(dir, 'data'), 'http://127.0.0.1:40129');
    expect((await forgetCredentialsKey(join(dir, 'data'), ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    expect(lstatSync(join(dir, 'data', 'credentials')).isSymbolicLink()).toBe(true);
    expect(botocoreProfiles(target)).toEqual({ work: { aws_access_key_id: 'AKIAWORK' }, loam: { region: 'us-east-1', loam_api_token: 'loam_tok', loam_endpoint: 'http://127.0.0.1:40129' } });
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, 'data'))).toEqual(['credentials']);
    expect(readdirSync(join(dir, 'dotfiles'))).toEqual(['aws-credentials']);
  });

  it('creates the target of a link that points at no file yet, mode 0600', async () => {
    const dir = dataDir();
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'credentials'));
    await writeCredentialsFile(dir, creds);
    expect(lstatSync(join(dir, 'credentials')).isSymbolicLink()).toBe(true);
    expect(botocoreProfiles(join(dir, 'elsewhere'))).toMatchObject({ loam: { aws_access_key_id: 'LKIAFIRST' } });
    expect(statSync(join(dir, 'elsewhere')).mode & 0o777).toBe(0o600);
  });

  it('that points into a directory Loam cannot write to fails naming the link, its target and what to do', async () => {
    const dir = dataDir();
    const target = join(dir, 'gone', 'credentials');
    symlinkSync(target, join(dir, 'credentials'));
    await expect(writeCredentialsFile(dir, creds)).rejects.toThrow(
      `Could not write the credentials file ${join(dir, 'credentials')}, a symbolic link to ${target} (ENOENT: no such file or directory, open '${target}.lock'): Loam replaces the link's target through a lock file and a temporary file beside it. Make ${join(dir, 'gone')} exist and be writable for Loam, or replace the link with a file.`,
    );
    expect(lstatSync(join(dir, 'credentials')).isSymbolicLink()).toBe(true);
  });
});

describe('entry names in any case, [DEFAULT] and a byte order mark, as botocore reads them', () => {
  it('updates an upper-case LOAM_ENDPOINT and forgets upper-case key entries instead of adding a second entry', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[loam]\nAWS_Access_Key_Id: LKIAFIRST\nAWS_SECRET_ACCESS_KEY = secret\nLOAM_ENDPOINT = http://old.test\n  http://older.test\nloam_api_token = loam_tok\n');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40130');
    expect(botocoreProfiles(file)).toEqual({ loam: { aws_access_key_id: 'LKIAFIRST', aws_secret_access_key: 'secret', loam_endpoint: 'http://127.0.0.1:40130', loam_api_token: 'loam_tok' } });
    expect(credentialsEntry(dir, 'aws_access_key_id')).toBe('LKIAFIRST');
    expect((await forgetCredentialsKey(dir, ['LKIAFIRST']))?.accessKeyId).toBe('LKIAFIRST');
    expect(botocoreProfiles(file)).toEqual({ loam: { loam_endpoint: 'http://127.0.0.1:40130', loam_api_token: 'loam_tok' } });
  });

  it("reads [loam]'s entry from [DEFAULT] when the profile has none, and [DEFAULT] is no [loam]", async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[DEFAULT]\naws_access_key_id = LKIADEFAULT\nloam_api_token = loam_default\n[loam]\nloam_api_token = loam_tok\n');
    const boto = botocoreProfiles(file) as Record<string, Record<string, string>>;
    expect(credentialsEntry(dir, 'aws_access_key_id')).toBe(boto['loam']?.['aws_access_key_id']);
    expect(credentialsEntry(dir, 'loam_api_token')).toBe(boto['loam']?.['loam_api_token']);
    writeFileSync(file, '[DEFAULT]\naws_access_key_id = LKIADEFAULT\n');
    expect(botocoreProfiles(file)).toEqual({});
    expect(credentialsEntry(dir, 'aws_access_key_id')).toBeUndefined();
  });

  it('drops a leading byte order mark boto3 refuses the file for when writing, and reads none from such a file, as boto3', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '\ufeff[loam]\naws_access_key_id = LKIAFIRST\nloam_api_token = loam_tok\n');
    expect(botocoreProfiles(file)).toBe('refused');
    expect(credentialsEntry(dir, 'aws_access_key_id')).toBeUndefined();
    writeFileSync(file, '\ufeff[work]\nregion = eu-west-1\n');
    await writeCredentialsFile(dir, creds);
    expect(botocoreProfiles(file)).toMatchObject({ work: { region: 'eu-west-1' }, loam: { aws_access_key_id: 'LKIAFIRST' } });
    // A later start's endpoint update drops one added since.
    writeFileSync(file, `\ufeff${readFileSync(file, 'utf8')}`);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40131');
    expect(botocoreProfiles(file)).toMatchObject({ work: { region: 'eu-west-1' }, loam: { aws_access_key_id: 'LKIAFIRST', loam_endpoint: 'http://127.0.0.1:40131' } });
  });
});

describe('a credentials file written indented (every line, headers too)', () => {
  // botocore reads a line indented deeper than the entry above it as part of that entry's value: Loam's entries, written
  // unindented among indented ones, made the next profile's header part of loam_endpoint's value (that profile lost).
  const indented = '  [loam]\n  region = eu-west-1\n  loam_endpoint = http://127.0.0.1:1\n  [work]\n  aws_access_key_id = AKIAWORK\n';

  it('a bootstrap keeps the next profile a profile, as boto3 reads it', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, indented);
    await writeCredentialsFile(dir, creds);
    expect(botocoreProfiles(file)).toEqual({
      loam: { region: 'eu-west-1', aws_access_key_id: 'LKIAFIRST', aws_secret_access_key: 'secret', loam_api_token: 'loam_tok', loam_endpoint: 'http://127.0.0.1:7717' },
      work: { aws_access_key_id: 'AKIAWORK' },
    });
  });

  it("updating or adding [loam]'s endpoint keeps the next profile a profile, as boto3 reads it", async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, indented);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40132');
    expect(botocoreProfiles(file)).toEqual({ loam: { region: 'eu-west-1', loam_endpoint: 'http://127.0.0.1:40132' }, work: { aws_access_key_id: 'AKIAWORK' } });
    writeFileSync(file, indented.replace('  loam_endpoint = http://127.0.0.1:1\n', ''));
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40133');
    expect(botocoreProfiles(file)).toEqual({ loam: { region: 'eu-west-1', loam_endpoint: 'http://127.0.0.1:40133' }, work: { aws_access_key_id: 'AKIAWORK' } });
  });
});

describe('lone CR line ends (an old Mac editor), which botocore reads as line ends', () => {
  const file = (dir: string) => join(dir, 'credentials');
  const mac = '[work]\raws_access_key_id = AKIAWORK\r\r[loam]\raws_access_key_id = LKIAOLD\rmy_setting = 1\rloam_endpoint = http://old.test\r';

  it('a bootstrap replaces [loam] in place, adding no second [loam] boto3 refuses the file for, and writes CR line ends', async () => {
    const dir = dataDir();
    writeFileSync(file(dir), mac);
    await writeCredentialsFile(dir, creds);
    // The old writer split lines at \n only: the whole file was one line, and a second [loam] went below it.
    expect(botocoreProfiles(file(dir))).toEqual({
      work: { aws_access_key_id: 'AKIAWORK' },
      loam: { aws_access_key_id: 'LKIAFIRST', aws_secret_access_key: 'secret', my_setting: '1', region: 'us-east-1', loam_api_token: 'loam_tok', loam_endpoint: 'http://127.0.0.1:7717' },
    });
    expect(readFileSync(file(dir), 'utf8')).toBe('[work]\raws_access_key_id = AKIAWORK\r\r[loam]\rmy_setting = 1\raws_access_key_id = LKIAFIRST\raws_secret_access_key = secret\rregion = us-east-1\rloam_api_token = loam_tok\rloam_endpoint = http://127.0.0.1:7717\r');
  });

  it("updating the endpoint and forgetting the key change [loam]'s lines only, each keeping its line end", async () => {
    const dir = dataDir();
    writeFileSync(file(dir), mac);
    expect(credentialsEntry(dir, 'aws_access_key_id')).toBe('LKIAOLD');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40140');
    expect(readFileSync(file(dir), 'utf8')).toBe(mac.replace('http://old.test', 'http://127.0.0.1:40140'));
    expect((await forgetCredentialsKey(dir, ['LKIAOLD']))?.accessKeyId).toBe('LKIAOLD');
    expect(botocoreProfiles(file(dir))).toEqual({ work: { aws_access_key_id: 'AKIAWORK' }, loam: { my_setting: '1', loam_endpoint: 'http://127.0.0.1:40140' } });
    // A [loam] without the entry, its last line without a line end: the new line goes below it, on a line of its own.
    writeFileSync(file(dir), '[loam]\rregion = eu-west-1\r[work]\rregion = us-west-2');
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40141');
    expect(readFileSync(file(dir), 'utf8')).toBe('[loam]\rregion = eu-west-1\rloam_endpoint = http://127.0.0.1:40141\r[work]\rregion = us-west-2');
  });
});

describe("a [DEFAULT] section's entries, which botocore gives [loam] too", () => {
  /** The credentials boto3 signs with for profile [loam] of `file` (AWS_* variables and the config file left out). */
  function boto3Credentials(file: string): { access_key: string; secret_key: string; token: string | null } | string {
    const script = [
      'import json, os, sys, boto3',
      "s = boto3.Session(profile_name='loam')",
      'try:',
      '    c = s.get_credentials().get_frozen_credentials()',
      '    print(json.dumps({"access_key": c.access_key, "secret_key": c.secret_key, "token": c.token}))',
      'except Exception as e:',
      '    print(json.dumps(type(e).__name__))',
    ].join('\n');
    const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dirname(file), 'no-config'), AWS_EC2_METADATA_DISABLED: 'true' };
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', env })) as ReturnType<typeof boto3Credentials>;
  }

  it("a session token there is overridden in [loam]: boto3 signs with Loam's key and no token", async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    writeFileSync(file, '[DEFAULT]\naws_session_token = FOREIGN\naws_security_token = FOREIGN_OLD\nregion = eu-west-1\n\n[loam]\naws_session_token = stale\n');
    // What boto3 did with the old file: Loam's key with the foreign token (the old name wins), which the server refuses.
    await writeCredentialsFile(dir, creds);
    expect(boto3Credentials(file)).toEqual({ access_key: 'LKIAFIRST', secret_key: 'secret', token: '' });
    expect(credentialsTakenFromDefault(dir)).toEqual([]);
    // A file without a [DEFAULT] token gets no empty entries.
    writeFileSync(file, '[DEFAULT]\nregion = eu-west-1\n');
    await writeCredentialsFile(dir, creds);
    expect(readFileSync(file, 'utf8')).not.toContain('token =\n');
    expect(boto3Credentials(file)).toEqual({ access_key: 'LKIAFIRST', secret_key: 'secret', token: null });
  }, 180_000); // three boto3 imports: slow on a loaded machine

  it('one added after the bootstrap, or an assumed role no entry of [loam] undoes, is named for the warning at start', async () => {
    const dir = dataDir();
    const file = join(dir, 'credentials');
    await writeCredentialsFile(dir, creds);
    expect(credentialsTakenFromDefault(dir)).toEqual([]);
    writeFileSync(file, `[DEFAULT]\naws_session_token = FOREIGN\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Environment\n\n${readFileSync(file, 'utf8')}`);
    expect(credentialsTakenFromDefault(dir)).toEqual(['aws_session_token', 'role_arn']);
    // boto3 tries the role instead of Loam's key (and, the role aside, would send the token).
    expect(boto3Credentials(file)).toBe('CredentialRetrievalError');
    await writeCredentialsFile(dir, creds);
    expect(credentialsTakenFromDefault(dir)).toEqual(['role_arn']);
  }, 120_000);
});

describe('two data directories whose credentials link one shared file', () => {
  const here = dirname(fileURLToPath(import.meta.url));

  /** Runs `code` in another Node process with this module as `m`; resolves with its exit code and stderr. */
  function inProcess(code: string, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
    const probe = `const m = await import(${JSON.stringify(join(here, 'credentials-file.ts'))}); const args = ${JSON.stringify(args)}; ${code}`;
    const child = spawn(process.execPath, ['--conditions=loam-src', '--import', 'tsx', '--no-warnings', '--input-type=module', '-e', probe], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
  }

  it("lose no update when two processes rewrite it at once: each one's key is there until it forgets it", async () => {
    const dir = dataDir();
    const shared = join(dir, 'shared-credentials');
    for (const d of ['a', 'b']) {
      mkdirSync(join(dir, d));
      symlinkSync(shared, join(dir, d, 'credentials'));
    }
    await writeCredentialsFile(join(dir, 'a'), creds);
    const done = join(dir, 'b-done');
    // A: a server restarting over and over (its endpoint); B: bootstraps and forgets, checking its own key each time.
    // An update read before the other's rename and written after it takes the other's change back.
    const a = inProcess(
      // A pause between rewrites (a real restart takes far longer) leaves B the lock now and then: no starving it.
      "for (let i = 0; i < 5000 && !(await import('node:fs')).existsSync(args[1]); i++) { await m.updateCredentialsEndpoint(args[0], `http://127.0.0.1:${i}`); await new Promise((r) => setTimeout(r, 1)); }",
      join(dir, 'a'),
      done,
    );
    const b = inProcess(
      [
        'const lost = [];',
        'for (let i = 0; i < 60; i++) {',
        "  const key = `LKIAB${i}`;",
        "  await m.writeCredentialsFile(args[0], { accessKeyId: key, secretAccessKey: 's', apiToken: 't', region: 'us-east-1', endpoint: 'http://b' });",
        "  if ((await m.forgetCredentialsKey(args[0], [key]))?.accessKeyId !== key) lost.push(`${key} was gone before it was forgotten`);",
        "  if (m.credentialsEntry(args[0], 'aws_access_key_id') !== undefined) lost.push(`a key came back after ${key} was forgotten`);",
        '}',
        "(await import('node:fs')).writeFileSync(args[1], '');",
        'if (lost.length) { console.error(lost.join("\\n")); process.exit(3); }',
      ].join('\n'),
      join(dir, 'b'),
      done,
    );
    const [ra, rb] = await Promise.all([a, b]);
    expect(rb).toEqual({ code: 0, stderr: '' });
    expect(ra).toEqual({ code: 0, stderr: '' });
    expect(botocoreProfiles(shared)).toMatchObject({ loam: { loam_api_token: 't' } });
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'b-done', 'shared-credentials']);
  }, 120_000);

  it('takes over the lock a crashed process left (its pid gone), and one left under our own pid (a process before us had it), in our pid namespace', async () => {
    const dir = dataDir();
    const lock = join(dir, 'credentials.lock');
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    writeFileSync(lock, `${gone} ${hostname()} ${pidNamespace()} x\n`);
    await writeCredentialsFile(dir, creds);
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, `${process.pid} ${hostname()} ${pidNamespace()} x\n`);
    await updateCredentialsEndpoint(dir, 'http://127.0.0.1:40150');
    expect(readdirSync(dir)).toEqual(['credentials']);
    expect(botocoreProfiles(join(dir, 'credentials'))).toMatchObject({ loam: { aws_access_key_id: 'LKIAFIRST', loam_endpoint: 'http://127.0.0.1:40150' } });
  });

  /** This process's pid namespace, as a lock records it. */
  function pidNamespace(): string {
    try {
      return readlinkSync('/proc/self/ns/pid');
    } catch {
      return '-';
    }
  }

  /** Writes a lock as another writer took it, `ageMs` ago. */
  function plantLock(lock: string, text: string, ageMs: number): void {
    writeFileSync(lock, text);
    const then = (Date.now() - ageMs) / 1000;
    utimesSync(lock, then, then);
  }

  it('waits for the lock of a writer in another pid namespace on this host (a container sharing the file with host networking): its pid is gone here, or is ours', async () => {
    const dir = dataDir();
    const lock = join(dir, 'credentials.lock');
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    for (const pid of [gone, process.pid]) {
      // Stale by its age 2 s from now: taken then, not at once for its pid (the other writer may be mid-rewrite).
      plantLock(lock, `${pid} ${hostname()} pid:[1] x\n`, 58_000);
      const started = Date.now();
      await writeCredentialsFile(dir, creds);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(existsSync(lock)).toBe(false);
    }
  }, 60_000);

  it('waits out a lock another host left by a crash while writing, instead of failing before it turns stale', async () => {
    const dir = dataDir();
    const lock = join(dir, 'credentials.lock');
    // Stale 35 s from now: past the 30 s a writer used to wait (it failed naming the lock, and so did every start).
    plantLock(lock, `4242 another-host pid:[1] x\n`, 25_000);
    await writeCredentialsFile(dir, creds);
    expect(readdirSync(dir)).toEqual(['credentials']);
    expect(botocoreProfiles(join(dir, 'credentials'))).toMatchObject({ loam: { aws_access_key_id: 'LKIAFIRST' } });
  }, 120_000);
});

describe('a value with a line break (botocore would read its second line as another line of the file)', () => {
  it('is refused naming the setting, and the file is left as it was', async () => {
    const dir = dataDir();
    await writeCredentialsFile(dir, creds);
    const before = readFileSync(join(dir, 'credentials'), 'utf8');
    await expect(updateCredentialsEndpoint(dir, '\nhttp://127.0.0.1:1')).rejects.toThrow(`Cannot write loam_endpoint = "\\nhttp://127.0.0.1:1" to the credentials file ${join(dir, 'credentials')}: it holds a line break`);
    await expect(writeCredentialsFile(dir, { ...creds, region: 'us-east-1\r[work]' })).rejects.toThrow('Cannot write region = "us-east-1\\r[work]"');
    expect(readFileSync(join(dir, 'credentials'), 'utf8')).toBe(before);
  });
});

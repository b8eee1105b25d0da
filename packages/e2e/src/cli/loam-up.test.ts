import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { createLoamClient } from '@loam/sdk';
import { readCredentialsProfile } from '@loam/cli';
import { runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

describe('loam up, as a user starts it', () => {
  let dataDir: string;
  let loam: LoamProcess;
  let creds: Record<string, string>;

  beforeAll(async () => {
    dataDir = tempDataDir();
    loam = await startLoamProcess(dataDir);
    creds = readCredentialsProfile(loam.info.credentialsFile) ?? {};
  });
  afterAll(async () => {
    if (loam && loam.child.exitCode === null) {
      loam.child.kill('SIGKILL');
      await waitForExit(loam.child).catch(() => undefined);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its databases owner-only (0600), their WAL files too', () => {
    for (const f of ['loam.db', 'loam.db-wal', 'experiments.db', 'experiments.db-wal']) {
      const path = `${dataDir}/${f}`;
      if (f.endsWith('-wal') && !existsSync(path)) continue;
      expect(statSync(path).mode & 0o777, f).toBe(0o600);
    }
  });

  it('answers /healthz with 200 {"status":"ok"} without credentials', async () => {
    const res = await fetch(`${loam.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('bootstraps the admin and writes an AWS credentials file, profile [loam], mode 0600', () => {
    expect(loam.info.adminCreated).toBe(true);
    expect(statSync(loam.info.credentialsFile).mode & 0o777).toBe(0o600);
    expect(creds.aws_access_key_id).toMatch(/^LKIA[A-Z0-9]{16}$/);
    expect(creds.aws_secret_access_key).toHaveLength(40);
    expect(creds.loam_api_token).toMatch(/^loam_/);
    expect(creds.loam_endpoint).toBe(loam.url);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
  });

  it('prints a one-time Studio sign-in link that works once', async ({ task }) => {
    // CI's retry cannot use the printed link again (the failed attempt may have): it asks for a new one, as
    // a user does with `loam login-link`.
    const link = (task.result?.retryCount ?? 0) === 0
      ? loam.info.studioLoginUrl
      : (await createLoamClient({ endpoint: loam.url, token: creds.loam_api_token }).CreateLoginLink({})).AuthorizedUrl;
    // The link opens a page whose button posts the token back from the same origin (no cookie before).
    const page = await fetch(link, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toContain('Sign in as admin');
    const token = new URL(link).searchParams.get('token') as string;
    const post = () => fetch(`${loam.url}/auth/login`, { method: 'POST', redirect: 'manual', headers: { origin: loam.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    const first = await post();
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/loam_session=.*HttpOnly/i);
    expect((await post()).status).toBe(401);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(401);
  });

  // The user the SDK test creates, for the tests after it; CI's retry names it anew (the failed attempt's name is taken).
  let ana = 'ana';
  it('serves the SDK with the token from the credentials file', async ({ task }) => {
    ana = nameForAttempt(task, 'ana');
    const client = createLoamClient({ endpoint: loam.url, token: creds.loam_api_token });
    const me = await client.GetCallerIdentity({});
    expect(me.UserName).toBe('admin');
    const created = await client.CreateUser({ UserName: ana, Tags: [{ Key: 'team', Value: 'fraud' }] });
    expect(created.User.Arn).toBe(`arn:loam:iam::000000000000:user/${ana}`);
    const tags = await client.ListTags({ ResourceArn: created.User.Arn });
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'fraud' }]);
    await expect(client.GetUser({ UserName: 'nobody-here' })).rejects.toMatchObject({ code: 'ResourceNotFound', status: 404 });
  });

  it('drives every command of the CLI against it, with --json and readable errors', async () => {
    const env = { LOAM_DATA_DIR: dataDir };
    const who = await runLoam(['get-caller-identity', '--json'], env);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).UserName).toBe('admin');

    const key = await runLoam(['create-access-key', '--user-name', ana, '--json'], env);
    expect(key.code).toBe(0);
    expect(JSON.parse(key.stdout).AccessKey.SecretAccessKey).toHaveLength(40);

    const bad = await runLoam(['create-user', '--user-name', 'bad name!'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error \[ValidationException\]: 1 validation error detected: Value 'bad name!' at 'userName'/);

    const missing = await runLoam(['get-user', '--user-name', 'ghost'], env);
    expect(missing.stderr.trim()).toBe("Error [ResourceNotFound]: User 'ghost' does not exist.");

    const link = await runLoam(['login-link', '--user-name', ana], env);
    expect(link.stdout.trim()).toMatch(new RegExp(`^${loam.url}/auth/login\\?token=`));
  });

  it('loam doctor reports the configuration and backends', async () => {
    const d = await runLoam(['doctor', '--data-dir', dataDir, '--json']);
    const report = JSON.parse(d.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[]; config: { metadata: { type: string } } };
    expect(report.checks.find((c) => c.name === 'metadata store')?.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'artifact store')?.ok).toBe(true);
    expect(report.config.metadata.type).toBe('sqlite');
  });

  it('shuts down gracefully on SIGTERM and starts again on the same data without a new admin', async () => {
    loam.child.kill('SIGTERM');
    expect(await waitForExit(loam.child)).toBe(0);
    const before = readFileSync(loam.info.credentialsFile, 'utf8');
    const again = await startLoamProcess(dataDir);
    try {
      expect(again.info.adminCreated).toBe(false);
      const after = readFileSync(loam.info.credentialsFile, 'utf8');
      expect(after.replace(/loam_endpoint = .*/, '')).toBe(before.replace(/loam_endpoint = .*/, ''));
      const client = createLoamClient({ endpoint: again.url, token: creds.loam_api_token });
      expect((await client.GetUser({ UserName: ana })).User.UserName).toBe(ana);
    } finally {
      again.child.kill('SIGTERM');
      await waitForExit(again.child);
    }
  });

  it('refuses a bad configuration with every problem and where it came from', async () => {
    const r = await runLoam(['up', '--data-dir', dataDir, '--port', '99999'], { LOAM_METADATA__TYPE: 'mysql' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('server.port');
    expect(r.stderr).toContain('flag --port');
    expect(r.stderr).toContain("metadata.type must be one of sqlite, postgres, memory; got 'mysql' (from env LOAM_METADATA__TYPE)");
  });
});

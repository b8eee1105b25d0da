import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLoamApp, loadConfig, openPlatform, writeCredentialsFile } from '@loam/server';
import { runCli } from '../run-cli.test-support.js';

// A server whose only server.key was lost (no backup) got a new key at its next start, and since 81a7476
// refuses to start: the stored access-key secrets were sealed with the old key. Nothing can open them
// again; `loam admin forget-unreadable-access-keys` deletes them, and the server starts; API tokens are
// hashes and still work, so a user creates a new key with one. Keys the current key opens are kept (a run
// with nothing to forget here; both at once in core's identity/forget-unreadable-keys.test.ts).

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const root = mkdtempSync(join(tmpdir(), 'loam-lost-key-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loam admin forget-unreadable-access-keys', () => {
  it('after server.key was replaced: the start is refused naming it; it deletes the keys sealed with the lost key, the server starts, and a new key works with boto3 and is kept by another run', async () => {
    // A data directory per attempt (a retry starts over).
    const dataDir = mkdtempSync(join(root, 'data-'));
    const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
    const first = await openPlatform(config, quiet);
    const admin = await first.identity.bootstrapAdmin();
    await first.close();
    if (!admin) throw new Error('bootstrap did not create the admin');

    // `loam up` wrote the admin's key to [loam] in the credentials file, after a profile of the user's own.
    const credentials = join(dataDir, 'credentials');
    const own = '[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = work-secret\n';
    writeFileSync(credentials, own, { mode: 0o600 });
    await writeCredentialsFile(dataDir, { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey, apiToken: admin.apiToken, region: config.region, endpoint: 'http://127.0.0.1:1' });

    // The key file is lost; the next start would make a new one.
    writeFileSync(join(dataDir, 'server.key'), randomBytes(32), { mode: 0o600 });

    await expect(openPlatform(config, quiet)).rejects.toThrow(`If that key is lost for good, \`loam admin forget-unreadable-access-keys --data-dir ${dataDir}\` deletes the access keys it sealed`);

    const out = await runCli(['admin', 'forget-unreadable-access-keys', '--data-dir', dataDir, '--json']);
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(JSON.parse(out.stdout)).toEqual({
      DataDir: dataDir, DeletedAccessKeys: [{ AccessKeyId: admin.accessKeyId, UserName: 'admin', Status: 'Active' }],
      UpdatedCredentialsProfile: { File: credentials, Profile: 'loam', RemovedAccessKeyId: admin.accessKeyId },
    });
    // [loam] no longer names the deleted key (boto3 with it would sign with a key the server refuses); its API
    // token, which still works, is kept, and so is the user's own profile, byte for byte.
    const text = readFileSync(credentials, 'utf8');
    expect(text).not.toContain(admin.accessKeyId);
    expect(text).not.toContain(admin.secretAccessKey);
    expect(text).toBe(`${own}\n[loam]\nregion = ${config.region}\nloam_api_token = ${admin.apiToken}\nloam_endpoint = http://127.0.0.1:1\n`);

    const serve = async <T>(fn: (url: string) => Promise<T>): Promise<T> => {
      const platform = await openPlatform(config, quiet);
      let url = '';
      const app = buildLoamApp(platform, false, () => url);
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        return await fn(url);
      } finally {
        await app.close();
        await platform.close();
      }
    };
    // Asynchronously: the server answering it runs in this process.
    const boto3 = async (url: string, id: string, secret: string) =>
      (await promisify(execFile)('/usr/bin/python3', ['-c', [
        'import boto3, sys',
        'c = boto3.client("sagemaker", endpoint_url=sys.argv[1], region_name=sys.argv[2], aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4])',
        'print(len(c.list_training_jobs()["TrainingJobSummaries"]))',
      ].join('\n'), url, config.region, id, secret], { env: { PATH: '/usr/bin:/bin', HOME: root }, encoding: 'utf8', timeout: 30_000 })).stdout.trim();

    const key = await serve(async (url) => {
      // The admin's API token still works: it makes the new key, which boto3 signs with.
      const created = await runCli(['--endpoint', url, '--token', admin.apiToken, 'create-access-key', '--user-name', 'admin', '--json']);
      expect(created.code).toBe(0);
      const k = (JSON.parse(created.stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
      expect(await boto3(url, k.AccessKeyId, k.SecretAccessKey)).toBe('0');
      return k;
    });

    // The new key opens with the current server.key: another run deletes nothing, and it still works.
    const again = await runCli(['admin', 'forget-unreadable-access-keys', '--data-dir', dataDir]);
    expect([again.code, again.stdout]).toEqual([0, `Every stored access key opens with ${dataDir}/server.key: nothing deleted.\n`]);
    await serve(async (url) => expect(await boto3(url, key.AccessKeyId, key.SecretAccessKey)).toBe('0'));
  }, 120_000);
});

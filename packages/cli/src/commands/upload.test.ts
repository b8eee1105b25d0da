import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoamClient } from '@loam/sdk';
import { openTestLoam, type TestLoam } from '@loam/server/compose/loam.test-support';
import { runCli } from '../run-cli.test-support.js';

let loam: TestLoam;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'loam-upload-'));
const realFetch = globalThis.fetch;

beforeAll(async () => {
  loam = await openTestLoam();
  url = await loam.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => loam?.close());
afterEach(() => vi.unstubAllGlobals());

describe('loam upload into a dataset that does not exist yet', () => {
  // The CLI created the dataset, uploaded, and on a failed import deleted the dataset with every version:
  // a second upload to the same new name that succeeded meanwhile (exit 0, "Version 1") lost its version.
  it("a failed first import does not delete the version another upload added meanwhile", async () => {
    const bad = join(dir, 'bad.csv');
    const good = join(dir, 'good.csv');
    writeFileSync(bad, 'a,b\n1,2\n"unterminated\n');
    writeFileSync(good, 'a,b\n1,2\n3,4\n');
    // Hold A's upload request when it is sent, until B has finished: the order of the race, made certain.
    let arrived!: () => void;
    const aSent = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      if (String(input).includes('/upload?') && String(input).includes('FileName=bad.csv')) {
        arrived();
        await released;
      }
      return realFetch(input, init);
    });
    const auth = ['--endpoint', url, '--token', loam.adminToken];
    const a = runCli([...auth, 'upload', 'race', bad, '--format', 'csv', '--json']);
    await aSent;
    const b = await createLoamClient({ endpoint: url, token: loam.adminToken, fetch: realFetch })
      .uploadDatasetVersion({ DatasetName: 'race', CreateDataset: true, Body: 'a,b\n1,2\n3,4\n', FileName: 'good.csv' });
    expect(b.Version).toBe(1);
    release();
    const ra = await a;
    expect(ra.code, ra.stderr).toBe(1);
    expect(ra.stderr).toMatch(/ValidationException/);
    const client = createLoamClient({ endpoint: url, token: loam.adminToken, fetch: realFetch });
    const d = await client.DescribeDataset({ DatasetName: 'race' });
    expect(d.LatestVersion).toBe(1);
    expect((await client.PreviewDataset({ DatasetName: 'race', Version: 1 })).RowCount).toBe(2);
  }, 60_000);

  it('creates the dataset with its first version, and leaves none behind when the file cannot be imported', async () => {
    const bad = join(dir, 'bad2.csv');
    const good = join(dir, 'good2.csv');
    writeFileSync(bad, 'a,b\n1,2\n"unterminated\n');
    writeFileSync(good, 'a,b\n1,2\n3,4\n');
    const auth = ['--endpoint', url, '--token', loam.adminToken];
    const failed = await runCli([...auth, 'upload', 'fresh', bad, '--format', 'csv']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).not.toMatch(/created/);
    const client = createLoamClient({ endpoint: url, token: loam.adminToken, fetch: realFetch });
    await expect(client.DescribeDataset({ DatasetName: 'fresh' })).rejects.toMatchObject({ code: 'ResourceNotFound' });
    const ok = await runCli([...auth, 'upload', 'fresh', good, '--description', 'two rows', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^created dataset fresh$/m);
    expect(JSON.parse(ok.stdout)).toMatchObject({ Version: 1, RowCount: 2 });
    expect(await client.DescribeDataset({ DatasetName: 'fresh' })).toMatchObject({ LatestVersion: 1, Description: 'two rows' });
    const again = await runCli([...auth, 'upload', 'fresh', good, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/created/);
    expect(JSON.parse(again.stdout)).toMatchObject({ Version: 2 });
  }, 60_000);
});

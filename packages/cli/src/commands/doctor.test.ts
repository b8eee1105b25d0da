import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.test-support.js';

const root = mkdtempSync(join(tmpdir(), 'loam-doctor-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loam doctor changes nothing', () => {
  it('reports a data directory given with the global --data-dir that does not exist, and creates nothing', async () => {
    const dir = join(root, 'nope');
    const r = await runCli(['--data-dir', dir, 'doctor']);
    expect(existsSync(dir)).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--    data directory: ${dir} does not exist: \`loam up --data-dir ${dir}\` creates it (doctor created nothing)`);
    expect(r.stdout).toMatch(/^-- {4}metadata store: sqlite: empty \(.*loam\.db does not exist\); \d+ migrations pending, which `loam up --data-dir .*` applies$/m);
  });

  it('does the same with its own --data-dir and the global --json, and on an empty directory', async () => {
    const dir = join(root, 'empty');
    await runCli(['--json', 'doctor', '--data-dir', join(root, 'missing')]);
    expect(existsSync(join(root, 'missing'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const r = await runCli(['--json', 'doctor', '--data-dir', dir]);
    expect(readdirSync(dir)).toEqual([]);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; skipped?: boolean; detail: string }[] };
    expect(report.checks.find((c) => c.name === 'metadata store')?.detail).toContain(`${join(dir, 'loam.db')} does not exist`);
    expect(report.checks.find((c) => c.name === 'artifact store')?.skipped).toBe(true);
  });
});

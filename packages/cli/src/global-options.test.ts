import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-globals-'));
writeFileSync(join(dir, 'credentials'), '[loam]\nloam_api_token = loam_file\nloam_endpoint = http://from-file.test\n\n[ci]\nloam_api_token = loam_ci\nloam_endpoint = http://ci.test\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

/** Where each request went and with which token. */
function recordRequests(): string[] {
  const seen: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get('authorization');
    seen.push(`${new URL(url).origin} ${auth}`);
    return new Response('{"UserName":"admin","Versions":[],"ModelPackageSummaryList":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return seen;
}

describe('global options after the command', () => {
  // `loam get-caller-identity --data-dir d` failed with "unknown option '--data-dir'" while --json worked there.
  it('--data-dir, --profile, --endpoint and --token work after a command as they do before it', async () => {
    vi.stubEnv('LOAM_TOKEN', '');
    vi.stubEnv('LOAM_ENDPOINT', '');
    vi.stubEnv('LOAM_DATA_DIR', '');
    const seen = recordRequests();
    const runs: string[][] = [
      ['get-caller-identity', '--data-dir', dir],
      ['--data-dir', dir, 'get-caller-identity'],
      ['get-caller-identity', '--data-dir', dir, '--profile', 'ci'],
      ['--profile', 'ci', 'get-caller-identity', '--data-dir', dir],
      ['get-caller-identity', '--endpoint', 'http://flag.test', '--token', 'loam_flag', '--json'],
      // a command of a group, and a workflow command
      ['registry', 'versions', 'g', '--endpoint', 'http://flag.test', '--token', 'loam_flag'],
      ['login-link', '--data-dir', dir],
    ];
    const where: string[] = [];
    for (const args of runs) {
      seen.length = 0;
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      where.push(...new Set(seen));
    }
    expect(where).toEqual([
      'http://from-file.test Bearer loam_file', 'http://from-file.test Bearer loam_file',
      'http://ci.test Bearer loam_ci', 'http://ci.test Bearer loam_ci',
      'http://flag.test Bearer loam_flag', 'http://flag.test Bearer loam_flag',
      'http://from-file.test Bearer loam_file',
    ]);
  });

  it("a command's own option of the same name stays its own; help lists the global ones apart", async () => {
    const help = await runCli(['get-caller-identity', '--help']);
    expect(help.stdout).toMatch(/Global Options:[\s\S]*--data-dir <dir>/);
    expect(help.stdout.split('Global Options:')[0]).not.toMatch(/--data-dir/);
    const up = await runCli(['up', '--help']);
    expect(up.stdout.split('Global Options:')[0]).toMatch(/--data-dir <dir>\s+where Loam keeps its data/);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs per-attempt-fixture.test-support.ts in a vitest of its own; answers whether it passed and what it recorded. */
async function runFixture(retry: number): Promise<{ passed: boolean; log: string[] }> {
  dir = mkdtempSync(join(tmpdir(), 'loam-per-attempt-'));
  const config = join(dir, 'vitest.config.mjs');
  writeFileSync(config, `export default ${JSON.stringify({ root: here, test: { include: ['per-attempt-fixture.test-support.ts'], retry } })};\n`);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const passed = await new Promise<boolean>((resolve) => {
    execFile(process.execPath, [vitestBin, 'run', '--config', config], { env: { ...outerVitestless(), LOAM_PER_ATTEMPT_LOG: log }, timeout: 60_000 }, (err) => resolve(!err));
  });
  return { passed, log: readFileSync(log, 'utf8').trim().split('\n') };
}

/** This process's environment without what this vitest set for its workers, which would confuse another vitest. */
function outerVitestless(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'));
}

describe('serverPerAttempt', () => {
  it('runs a failed test\'s retry on a new fixture, stopping the one the failed attempt used', async () => {
    expect(await runFixture(1)).toEqual({
      passed: true,
      log: ['start 1', 'first test, attempt 0, on 1', 'stop 1', 'start 2', 'first test, attempt 1, on 2', 'second test on 2', 'stop 2'],
    });
  });

  it('keeps the fixture when the runner will not retry', async () => {
    expect(await runFixture(0)).toEqual({
      passed: false,
      log: ['start 1', 'first test, attempt 0, on 1', 'second test on 1', 'stop 1'],
    });
  });
});

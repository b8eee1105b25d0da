#!/usr/bin/env node
// `npm test`: prepares the machine, builds, type-checks, lints, runs every Vitest test, and ends with the
// one line CI reads: `N passed, N failed, N skipped`. A failed build or lint counts as a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const env = { ...process.env };
env.LOAM_TEST_POSTGRES_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
env.LOAM_TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';

function step(name, cmd, args) {
  process.stdout.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status === 0;
}

let failedSteps = 0;
step('prepare', 'bash', ['scripts/prepare-test-env.sh']);
if (!step('build', 'npm', ['run', '--silent', 'build'])) failedSteps++;
if (!step('typecheck tests', 'node', ['node_modules/typescript7/bin/tsc', '-p', 'tsconfig.tests.json'])) failedSteps++;
if (!step('lint', 'npm', ['run', '--silent', 'lint'])) failedSteps++;

const results = '.vitest-results.json';
rmSync(results, { force: true });
const extra = process.argv.slice(2);
step('tests', 'npx', ['vitest', 'run', ...extra]);

let passed = 0, failed = 0, skipped = 0;
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = (r.numFailedTests ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that failed to load has no tests; count it once.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed++;
  for (const f of r.testResults ?? []) for (const a of f.assertionResults ?? []) {
    if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') console.log(`skipped: ${a.fullName}`);
    // A test that passed on CI's retry keeps its failed attempt's error: shown, so a flaky test can be traced.
    if (a.status === 'passed' && (a.failureMessages ?? []).length > 0) console.log(`passed on retry: ${a.fullName}\n  first attempt: ${a.failureMessages[0].split('\n').slice(0, 6).join('\n  ')}`);
  }
} else {
  failed++;
}
failed += failedSteps;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

#!/usr/bin/env node
// `npm test`: prepares the machine, builds, type-checks, lints, runs every Vitest test, and ends with the
// one line CI reads: `N passed, N failed, N skipped`. A failed build or lint counts as a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CI stops a run at 90 min, npm ci included: the tests are stopped before that, so the summary line is still printed. */
const startedAt = Date.now();
const budgetMs = Number(process.env.LOAM_TEST_BUDGET_S ?? 4800) * 1000;

const env = { ...process.env };
env.LOAM_TEST_POSTGRES_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
env.LOAM_TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
// Written by scripts/progress-reporter.mjs as each test file starts and ends.
const progressFile = join(tmpdir(), `loam-vitest-progress-${process.pid}.jsonl`);
env.LOAM_TEST_PROGRESS_FILE = progressFile;

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
const vitest = await runWithinBudget('tests', ['node_modules/vitest/vitest.mjs', 'run', ...extra]);
const vitestOk = vitest.ok;

let passed = 0, failed = 0, skipped = 0;
if (vitest.timedOut) {
  ({ passed, failed, skipped } = countProgress());
} else if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  // Browser journeys (each step builds on the last) are not retried step by step: in CI a journey file
  // that failed runs once more, whole, and its second run's results replace the first's. The first
  // run's failures are printed, so a flaky journey can be traced.
  const journeys = (r.testResults ?? []).filter((f) => f.status === 'failed' && /\.browser\.test\.ts$/.test(f.name));
  const journeysFailed = journeys.length;
  if (process.env.CI && journeys.length > 0) {
    const rerun = '.vitest-rerun.json';
    rmSync(rerun, { force: true });
    step('rerun failed journeys', 'npx', ['vitest', 'run', ...journeys.map((f) => f.name), '--outputFile.json', rerun]);
    const again = existsSync(rerun) ? JSON.parse(readFileSync(rerun, 'utf8')) : { testResults: [] };
    for (const f of journeys) {
      const second = (again.testResults ?? []).find((g) => g.name === f.name);
      const firstFailures = (f.assertionResults ?? []).filter((a) => a.status === 'failed').map((a) => `${a.fullName}: ${(a.failureMessages ?? [''])[0].split('\n')[0]}`);
      if (!second) {
        console.log(`journey rerun did not report: ${f.name}`);
        continue;
      }
      console.log(`${second.status === 'passed' ? 'journey passed on rerun' : 'journey failed twice'}: ${f.name}\n  first run: ${firstFailures.join('\n  first run: ') || f.message || ''}`);
      r.testResults[r.testResults.indexOf(f)] = second;
    }
  }
  // Vitest exits non-zero on an error outside any test (an unhandled rejection after the tests passed)
  // while its report shows no failed file: that counts as one failure.
  const firstFailedFiles = (r.testResults ?? []).filter((f) => f.status === 'failed').length + journeysFailed;
  if (!vitestOk && firstFailedFiles === 0) {
    console.log('vitest exited non-zero with no failed test file: see "Unhandled Errors" above');
    failedSteps++;
  }
  const count = (statuses) => (r.testResults ?? []).reduce((n, f) => n + (f.assertionResults ?? []).filter((a) => statuses.includes(a.status)).length, 0);
  passed = count(['passed']);
  failed = count(['failed']);
  skipped = count(['skipped', 'pending', 'todo']);
  // A file that failed without a failed test (it did not load, or a beforeAll/afterAll hook failed and
  // its tests show as skipped or passed) counts once.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')) failed++;
  for (const f of r.testResults ?? []) for (const a of f.assertionResults ?? []) {
    if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') console.log(`skipped: ${a.fullName}`);
    // A test that passed on CI's retry keeps its failed attempt's error: shown, so a flaky test can be traced.
    if (a.status === 'passed' && (a.failureMessages ?? []).length > 0) console.log(`passed on retry: ${a.fullName}\n  first attempt: ${a.failureMessages[0].split('\n').slice(0, 6).join('\n  ')}`);
  }
} else {
  failed++;
}
rmSync(progressFile, { force: true });
failed += failedSteps;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

/**
 * Runs Vitest in its own process group, stopped (the whole group) once the run has used the time left of
 * the budget: a hung test file then costs one failure, not the CI run's summary line.
 */
function runWithinBudget(name, args) {
  process.stdout.write(`\n== ${name}: node ${args.join(' ')}\n`);
  const left = Math.max(60_000, budgetMs - (Date.now() - startedAt));
  return new Promise((resolve) => {
    const child = spawn('node', args, { stdio: 'inherit', env, detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\n== tests: still running after ${Math.round((Date.now() - startedAt) / 60_000)} min of the ${Math.round(budgetMs / 60_000)} min budget: stopped`);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } }, 10_000).unref();
    }, left);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && !timedOut, timedOut });
    });
  });
}

/** Counts what `.vitest-progress.jsonl` recorded of a stopped run; each file still running counts as one failure. */
function countProgress() {
  let passed = 0, failed = 0, skipped = 0;
  const running = new Set();
  const lines = existsSync(progressFile) ? readFileSync(progressFile, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const e = JSON.parse(line);
    if (e.start) running.add(e.start);
    if (!e.end) continue;
    running.delete(e.end);
    for (const t of e.tests) {
      if (t.state === 'passed') {
        passed++;
        if (t.errors.length > 0) console.log(`passed on retry: ${t.name}\n  first attempt: ${t.errors[0]}`);
      }
      else if (t.state === 'failed') {
        failed++;
        console.log(`failed: ${t.name}: ${t.errors[0] ?? ''}`);
      } else skipped++;
    }
    if (e.state === 'failed' && !e.tests.some((t) => t.state === 'failed')) {
      failed++;
      console.log(`failed file: ${e.end}: ${e.errors[0] ?? ''}`);
    }
  }
  for (const file of running) console.log(`still running when stopped (one failure): ${file}`);
  failed += running.size + 1;
  console.log('the run did not finish: files never started are not counted');
  return { passed, failed, skipped };
}

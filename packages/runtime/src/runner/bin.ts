#!/usr/bin/env node
import { readFileSync, writeSync } from 'node:fs';
import { openRunnerExit, recordRunnerExit, RUNNER_EXIT_DISK_FULL, RUNNER_EXIT_LIMIT_DISK_FULL } from '@loam/adapters/executors/local/runner-exit';
import type { RunnerInput } from '@loam/contracts';
import { DiskFullError, isDiskFull, OutcomeNotWritten } from './disk-full.js';
import { runJob } from './run-job.js';

// `node runner/bin.js <job.json>`: runs one host of one job. Its outcome is in events.jsonl; the exit
// code only says whether the runner itself worked (74: it could not write its outcome, the disk being full; 75/76:
// nor could it write that a StoppingCondition limit had stopped the job). The code is also recorded in the host's
// directory (runner-exit, over bytes the executor reserved), for a server that adopted this runner after a restart.
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: loam-runner <job.json>\n');
  process.exit(64);
}
const input = JSON.parse(readFileSync(file, 'utf8')) as RunnerInput;
// Opened now, by its path: at the exit that path may be the next attempt's (see openRunnerExit).
const exitRecord = openRunnerExit(input.workDir);
const exit = (code: number): never => {
  recordRunnerExit(exitRecord, code);
  return process.exit(code);
};
runJob(input).then(
  () => exit(0),
  (e: unknown) => {
    try {
      // Synchronously, and never in the way of the exit code: runner.log may be on the full disk.
      writeSync(2, `runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    } catch {
      // the exit code says what matters
    }
    exit(e instanceof OutcomeNotWritten && e.stoppedBy ? RUNNER_EXIT_LIMIT_DISK_FULL[e.stoppedBy] : e instanceof DiskFullError || isDiskFull(e) ? RUNNER_EXIT_DISK_FULL : 70);
  },
);

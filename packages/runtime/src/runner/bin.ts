#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { RunnerInput } from '@loam/contracts';
import { runJob } from './run-job.js';

// `node runner/bin.js <job.json>`: runs one host of one job. Its outcome is in events.jsonl; the exit
// code only says whether the runner itself worked.
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: loam-runner <job.json>\n');
  process.exit(64);
}
const input = JSON.parse(readFileSync(file, 'utf8')) as RunnerInput;
runJob(input).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);

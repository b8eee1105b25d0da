import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { serverPerAttempt } from './retry.test-support.js';

// Not a test of its own: retry.test-support.test.ts runs this file in a vitest of its own, with and without a
// retry, and reads what happened from the lines written to LOAM_PER_ATTEMPT_LOG.
const record = (line: string) => appendFileSync(process.env['LOAM_PER_ATTEMPT_LOG']!, `${line}\n`);
let started = 0;
let server: number | undefined;

serverPerAttempt(async () => {
  server = ++started;
  record(`start ${server}`);
}, async () => {
  record(`stop ${server}`);
  server = undefined;
});

it('fails its first attempt', ({ task }) => {
  const attempt = task.result?.retryCount ?? 0;
  record(`first test, attempt ${attempt}, on ${server}`);
  expect(attempt).toBeGreaterThan(0);
});

it('passes', () => {
  record(`second test on ${server}`);
});

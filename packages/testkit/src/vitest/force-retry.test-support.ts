import { afterEach } from 'vitest';

/**
 * Checks that a test survives CI's retry (vitest.config.ts: `retry: 1` when CI is set). With
 * `LOAM_TEST_FORCE_RETRY=1`, vitest.config.ts loads this file and every test's first attempt fails after
 * its body ran to the end, so the retry runs against whatever the first attempt left: the names it
 * created, its endpoints and jobs. A test whose retry then fails on ResourceInUse or "already exists"
 * could never pass on CI's retry. Usage: `CI=true LOAM_TEST_FORCE_RETRY=1 npx vitest run <file>`.
 */
afterEach(({ task }) => {
  if ((task.result?.retryCount ?? 0) === 0 && task.result?.state !== 'fail') throw new Error('LOAM_TEST_FORCE_RETRY: first attempt failed on purpose');
});

import { afterAll, beforeAll, beforeEach, type TestContext } from 'vitest';

/** How many times the runner retries a failed test (vitest.config.ts: once in CI, never elsewhere). */
export function retriesOf(task: { readonly retry?: number | { readonly count?: number } }): number {
  return typeof task.retry === 'number' ? task.retry : (task.retry?.count ?? 0);
}

/**
 * From a test's body: runs `prepare` if this attempt fails and the runner will retry it, before the retry
 * starts. A retry must not meet what the failed attempt left (resources with the names it creates again,
 * endpoints and jobs still running).
 */
export function beforeNextAttempt(context: Pick<TestContext, 'task' | 'onTestFailed'>, prepare: () => Promise<void>, timeoutMs = 60_000): void {
  const { task } = context;
  context.onTestFailed(async () => {
    if ((task.result?.retryCount ?? 0) < retriesOf(task)) await prepare();
  }, timeoutMs);
}

/** {@link beforeNextAttempt} for every test of the calling file or describe block. */
export function beforeRetry(prepare: () => Promise<void>, timeoutMs = 60_000): void {
  beforeEach((context) => beforeNextAttempt(context, prepare, timeoutMs));
}

/**
 * A fixture (most often a server) for the tests of the calling file or describe block, new for each attempt:
 * `start` before the tests, `stop` after them, and `stop` then `start` again before CI retries a failed test,
 * so the retry does not meet the names, endpoints and jobs the failed attempt left. `start` and `stop` keep
 * their own state (the tests read it from the file's variables); `stop` must accept a fixture `start` left
 * half-made. `timeoutMs` bounds each hook; without it, `start` and `stop` get the config's hookTimeout and the
 * restart {@link beforeRetry}'s default.
 */
export function serverPerAttempt(start: () => Promise<void>, stop: () => Promise<void>, timeoutMs?: number): void {
  beforeAll(() => start(), timeoutMs);
  beforeRetry(async () => {
    await stop();
    await start();
  }, timeoutMs);
  afterAll(() => stop(), timeoutMs);
}

/**
 * `name` on a test's first attempt, `<name>-retry<n>` on CI's retries: for a test that creates named resources
 * on a server its retry shares, where the failed attempt's names are taken (ResourceInUse).
 */
export function nameForAttempt(task: { readonly result?: { readonly retryCount?: number } }, name: string): string {
  const retry = task.result?.retryCount ?? 0;
  return retry === 0 ? name : `${name}-retry${retry}`;
}

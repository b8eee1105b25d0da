import { beforeEach, type TestContext } from 'vitest';

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
 * `name` on a test's first attempt, `<name>-retry<n>` on CI's retries: for a test that creates named resources
 * on a server its retry shares, where the failed attempt's names are taken (ResourceInUse).
 */
export function nameForAttempt(task: { readonly result?: { readonly retryCount?: number } }, name: string): string {
  const retry = task.result?.retryCount ?? 0;
  return retry === 0 ? name : `${name}-retry${retry}`;
}

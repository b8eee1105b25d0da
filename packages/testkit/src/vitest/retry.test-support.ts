import { beforeEach } from 'vitest';

/** How many times the runner retries a failed test (vitest.config.ts: once in CI, never elsewhere). */
export function retriesOf(task: { readonly retry?: number | { readonly count?: number } }): number {
  return typeof task.retry === 'number' ? task.retry : (task.retry?.count ?? 0);
}

/**
 * Runs `prepare` after a test of the calling file (or describe block) failed and before the runner retries it:
 * a retry must not meet what the failed attempt left (resources with the names it creates again, endpoints
 * and jobs still running). Not run after a test's last attempt.
 */
export function beforeRetry(prepare: () => Promise<void>, timeoutMs = 60_000): void {
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      if ((task.result?.retryCount ?? 0) < retriesOf(task)) await prepare();
    }, timeoutMs);
  });
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

describe('loam invoke', () => {
  it('says it cannot reach Loam, as every other command does, when the server is down', async () => {
    const r = await runCli(['--endpoint', 'http://127.0.0.1:9', '--token', 'loam_x', 'invoke', 'churn', '--body', '1,2,3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[LoamConnectionError\]: Cannot reach Loam at http:\/\/127\.0\.0\.1:9: .*Is `loam up` running\?\n$/);
    const other = await runCli(['--endpoint', 'http://127.0.0.1:9', '--token', 'loam_x', 'describe-endpoint', '--endpoint-name', 'churn']);
    expect(other.stderr.split(':').slice(0, 3)).toEqual(r.stderr.split(':').slice(0, 3));
  });

  it('with no --body or --file and a terminal on stdin, says how to give the payload instead of waiting silently', async () => {
    const seen = fakeLoam(() => ({}));
    const tty = process.stdin.isTTY;
    process.stdin.isTTY = true;
    try {
      const r = await runCli([...fakeAuth, 'invoke', 'churn']);
      expect([r.code, r.stderr]).toEqual([1, 'Error [ValidationException]: No payload: give --body <text> or --file <path>, or pipe it on stdin.\n']);
      const both = await runCli([...fakeAuth, 'invoke', 'churn', '--body', '1', '--file', 'x.csv']);
      expect([both.code, both.stderr]).toEqual([1, 'Error [ValidationException]: Give the payload with --body or --file, not both.\n']);
    } finally {
      process.stdin.isTTY = tty;
    }
    expect(seen).toEqual([]);
  });
});

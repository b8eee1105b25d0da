import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.test-support.js';

describe('loam invoke', () => {
  it('says it cannot reach Loam, as every other command does, when the server is down', async () => {
    const r = await runCli(['--endpoint', 'http://127.0.0.1:9', '--token', 'loam_x', 'invoke', 'churn', '--body', '1,2,3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[LoamConnectionError\]: Cannot reach Loam at http:\/\/127\.0\.0\.1:9: .*Is `loam up` running\?\n$/);
    const other = await runCli(['--endpoint', 'http://127.0.0.1:9', '--token', 'loam_x', 'describe-endpoint', '--endpoint-name', 'churn']);
    expect(other.stderr.split(':').slice(0, 3)).toEqual(r.stderr.split(':').slice(0, 3));
  });
});

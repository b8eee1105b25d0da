import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

const notFound = { status: 404, code: 'ResourceNotFound', detail: "Model package group 'nosuchgroup' does not exist." };

describe('loam registry', () => {
  it('versions and history of a group that does not exist: not found, exit 1 (not "(none)")', async () => {
    fakeLoam((r) => (r.path.startsWith('/api/v1/model-package-groups/') ? notFound : { ModelPackageSummaryList: [], Events: [] }));
    for (const verb of ['versions', 'history']) {
      const r = await runCli([...fakeAuth, 'registry', verb, 'nosuchgroup']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe("Error [ResourceNotFound]: Model package group 'nosuchgroup' does not exist.\n");
    }
  });

  it('versions pages through every version, past the first 100', async () => {
    const version = (v: number) => ({ ModelPackageVersion: v, ModelApprovalStatus: 'Approved', CreationTime: 1764291600, ModelPackageArn: `arn:p/${v}` });
    const seen = fakeLoam((r) => {
      if (r.path.startsWith('/api/v1/model-package-groups/')) return { ModelPackageGroupName: 'big' };
      const page = Number(r.query.get('NextToken') ?? '0');
      const items = Array.from({ length: page < 2 ? 100 : 7 }, (_, i) => version(250 - page * 100 - i));
      return { ModelPackageSummaryList: items, ...(page < 2 ? { NextToken: String(page + 1) } : {}) };
    });
    const r = await runCli([...fakeAuth, '--json', 'registry', 'versions', 'big']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { Version: number }[];
    expect(rows).toHaveLength(207);
    expect(rows[206]!.Version).toBe(44);
    expect(seen.filter((q) => q.path === '/api/v1/model-packages').map((q) => q.query.get('NextToken'))).toEqual([null, '1', '2']);
  });
});

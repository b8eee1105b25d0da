import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { printResult } from './output.js';
import { runCli } from './run-cli.test-support.js';

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('printResult, human output', () => {
  it('indents an empty list and an empty object under their key', () => {
    printResult({ Endpoint: { Tags: [], Environment: {}, Name: 'e' } }, false);
    expect(out).toBe('Endpoint:\n  Tags:\n    (none)\n  Environment:\n    (empty)\n  Name: e\n');
  });

  it('leaves out a member that is undefined, as --json does (loam registry approve without --comment printed "ApprovalDescription: undefined")', () => {
    printResult({ ModelApprovalStatus: 'Approved', ApprovalDescription: undefined, ApprovedBy: 'admin' }, false);
    expect(out).toBe('ModelApprovalStatus: Approved\nApprovedBy: admin\n');
  });

  it("prints IAM's CreateDate (epoch seconds) as ISO 8601 like the *Time fields", () => {
    printResult({ User: { UserName: 'ana', CreateDate: 1795852533.231 } }, false);
    expect(out).toBe('User:\n  UserName: ana\n  CreateDate: 2026-11-28T07:55:33.231Z\n');
  });

  it('still prints an empty result as OK and an empty list as (none)', () => {
    printResult({}, false);
    printResult([], false);
    expect(out).toBe('OK\n(none)\n');
  });

  it('prints *Time and *Timestamp epoch seconds (and MLflow milliseconds) as ISO 8601', () => {
    printResult({ CreationTime: 1764291600, LastModifiedTime: 1764291600.5, Transitions: [{ StartTime: 1764291601, Status: 'Training' }], Run: { StartTime: 1764291600123 }, MaxRuntimeInSeconds: 86400, EndTimestamp: 'n/a' }, false);
    expect(out).toBe([
      'CreationTime: 2025-11-28T01:00:00.000Z',
      'LastModifiedTime: 2025-11-28T01:00:00.500Z',
      'Transitions:',
      '  - StartTime: 2025-11-28T01:00:01.000Z',
      '    Status: Training',
      'Run:',
      '  StartTime: 2025-11-28T01:00:00.123Z',
      'MaxRuntimeInSeconds: 86400',
      'EndTimestamp: n/a',
      '',
    ].join('\n'));
  });

  it('leaves JSON output as the API answered it', () => {
    printResult({ CreationTime: 1764291600, Tags: [] }, true);
    expect(JSON.parse(out)).toEqual({ CreationTime: 1764291600, Tags: [] });
  });
});

describe('loam --help', () => {
  it('documents where output goes and the exit codes', async () => {
    vi.restoreAllMocks();
    const help = (await runCli(['--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('Results go to stdout, progress and errors to stderr');
    expect(help).toContain('Exit codes: 0 success; 1 an error');
    expect(help).toContain('130 Ctrl-C while following');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { decimal, InputError, wholeNumber } from './flags.js';
import { fakeAuth, fakeLoam, runCli } from './run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

describe('the shared numeric flag parser', () => {
  it('accepts whole numbers in range and names the flag and the value otherwise', () => {
    expect(wholeNumber('3', '--instance-count')).toBe(3);
    expect(wholeNumber('0', '--wait-interval', { min: 0 })).toBe(0);
    for (const bad of ['abc', '', '1.5', '0', '1e3', '2x']) expect(() => wholeNumber(bad, '--instance-count')).toThrow(`--instance-count must be a whole number ≥ 1, got '${bad}'`);
    expect(() => wholeNumber('150', '--canary', { min: 1, max: 100 })).toThrow("--canary must be a whole number from 1 to 100, got '150'");
    expect(() => wholeNumber('x', '--max-results', { min: -Infinity })).toThrow("--max-results must be a whole number, got 'x'");
    expect(decimal('0.97', '--target')).toBe(0.97);
    expect(() => decimal('high', '--target')).toThrow(new InputError("--target must be a number, got 'high'"));
  });
});

describe('input errors on the command line', () => {
  it('loam train --instance-count abc names the flag, before anything is sent, printed like the other errors', async () => {
    const seen = fakeLoam(() => ({}));
    const r = await runCli([...fakeAuth, 'train', '--image', 'sagemaker-xgboost:1.7-1', '--output', 's3://m/out', '--instance-count', 'abc']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error [ValidationException]: --instance-count must be a whole number ≥ 1, got 'abc'\n");
    expect(seen).toEqual([]);
  });

  it('every command: deploy, transform, login-link, runs list and the generated operation commands', async () => {
    fakeLoam(() => ({}));
    const cases: [string[], string][] = [
      [['deploy', 'e', '--model', 'm', '--instance-count', '0'], "--instance-count must be a whole number ≥ 1, got '0'"],
      [['deploy', 'e', '--model', 'm', '--canary', '150%'], "--canary (a percentage) must be a whole number from 1 to 100, got '150'"],
      [['deploy', 'e', '--model', 'm', '--wait-interval', 'soon'], "--wait-interval must be a whole number ≥ 0, got 'soon'"],
      [['transform', 'j', '--model', 'm', '--input', 's3://a/', '--output', 's3://b/', '--concurrency', 'many'], "--concurrency must be a whole number ≥ 1, got 'many'"],
      [['transform', 'j', '--model', 'm', '--input', 's3://a/', '--output', 's3://b/', '--max-payload', '-1'], "--max-payload must be a whole number ≥ 0, got '-1'"],
      [['login-link', '--expires-in-seconds', '15m'], "--expires-in-seconds must be a whole number ≥ 1, got '15m'"],
      [['runs', 'list', '--experiment-id', '0', '--max-results', 'all'], "--max-results must be a whole number ≥ 1, got 'all'"],
      [['list-training-jobs', '--max-results', 'ten'], "--max-results must be a whole number, got 'ten'"],
      [['list-users', '--cli-input-json', '{nope'], '--cli-input-json is not valid JSON'],
      [['transform', 'j', '--model', 'm', '--input', 's3://a/', '--output', 's3://b/', '--env', 'NOEQUALS'], "--env 'NOEQUALS' must be KEY=VALUE."],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...fakeAuth, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(`Error [ValidationException]: ${message}`);
    }
  });

  it('prints an unexpected plain Error as "Error: …", not "Error [Error]: …"', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    const r = await runCli([...fakeAuth, 'list-users']);
    expect(r.stderr).toBe('Error [AbortError]: aborted\n');
    const { printError } = await import('./output.js');
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
    printError(new Error('something broke'), false);
    spy.mockRestore();
    expect(err).toBe('Error: something broke\n');
  });
});

describe('loam train without --content-type', () => {
  it("hints that the built-in XGBoost reads libsvm by default and CSV needs --content-type text/csv (and still starts the job)", async () => {
    const seen = fakeLoam((r) => (r.method === 'POST' ? { TrainingJobArn: 'arn:loam:sagemaker:t' } : {}));
    const r = await runCli([...fakeAuth, 'train', '--image', 'sagemaker-xgboost:1.7-1', '--channel', 'train=s3://d/train/', '--output', 's3://m/out', '--no-wait']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("hint: no --content-type: SageMaker's built-in XGBoost reads channels as libsvm by default; for CSV data pass --content-type text/csv.\n");
    expect(seen.filter((q) => q.method === 'POST')).toHaveLength(1);
    const withType = await runCli([...fakeAuth, 'train', '--image', 'sagemaker-xgboost:1.7-1', '--channel', 'train=s3://d/train/', '--content-type', 'text/csv', '--output', 's3://m/out', '--no-wait']);
    expect(withType.stderr).toBe('');
  });
});

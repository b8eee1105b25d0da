import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

describe('the generated operation commands check their flags before sending', () => {
  it('a missing required flag is named as the flag (and its API member), exit 1, nothing sent', async () => {
    const seen = fakeLoam(() => ({}));
    const one = await runCli([...fakeAuth, 'describe-training-job']);
    expect([one.code, one.stderr]).toEqual([1, 'Error [ValidationException]: Missing required option --training-job-name (TrainingJobName); or give it in --cli-input-json.\n']);
    const two = await runCli([...fakeAuth, 'add-association', '--association-type', 'ContributedTo']);
    expect(two.stderr).toBe('Error [ValidationException]: Missing required options --source-arn (SourceArn), --destination-arn (DestinationArn); or give them in --cli-input-json.\n');
    expect(seen).toEqual([]);
    const json = await runCli([...fakeAuth, 'describe-training-job', '--cli-input-json', '{"TrainingJobName":"j1"}']);
    expect(json.code).toBe(0);
    expect(seen.map((r) => r.path)).toEqual(['/api/v1/training-jobs/j1']);
  });

  it('a boolean is true or false (any case); anything else is refused instead of sent as false', async () => {
    const seen = fakeLoam(() => ({ Vertices: [] }));
    const bad = await runCli([...fakeAuth, 'query-lineage', '--start-arns', 'arn:a', '--include-edges', 'yes']);
    expect([bad.code, bad.stderr]).toEqual([1, "Error [ValidationException]: --include-edges must be true or false, got 'yes'\n"]);
    expect(seen).toEqual([]);
    await runCli([...fakeAuth, 'query-lineage', '--start-arns', 'arn:a,arn:b', '--include-edges', 'True']);
    expect(seen[0]!.body).toEqual({ StartArns: ['arn:a', 'arn:b'], IncludeEdges: true });
  });

  it('a list of objects or an object must be JSON: the flag is named, not a server error about Metrics.0', async () => {
    const seen = fakeLoam(() => ({}));
    const r = await runCli([...fakeAuth, 'log-mlflow-batch', '--run-id', '0123456789abcdef0123456789abcdef', '--metrics', 'auc=0.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[ValidationException\]: --metrics must be an array in JSON, got 'auc=0\.9' \(/);
    const o = await runCli([...fakeAuth, 'query-lineage', '--start-arns', 'arn:a', '--filters', 'Types=Model']);
    expect(o.stderr).toMatch(/^Error \[ValidationException\]: --filters must be an object in JSON, got 'Types=Model'/);
    expect(seen).toEqual([]);
  });

  it('--help says what each value looks like: the choices of an enum, true or false, JSON', async () => {
    const flat = (await runCli(['query-lineage', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('--direction <value> Direction (one of Both, Ascendants, Descendants)');
    expect(flat).toContain('--include-edges <value> IncludeEdges (true or false)');
    expect(flat).toContain('--filters <value> Filters (JSON object)');
    expect(flat).toContain('--start-arns <value> StartArns (comma-separated list, or a JSON array)');
  });
});

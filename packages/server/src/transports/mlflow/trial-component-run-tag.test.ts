import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// The run CreateTrialComponent makes names its component in a tag, so a client finds a component's run
// exactly (Studio's Trials section and Search page), not by start time and run name.

let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
});
afterAll(async () => {
  await loam.close();
});

async function create(body: Record<string, unknown>): Promise<number> {
  const r = await loam.app.inject({
    method: 'POST', url: '/api/v1/sagemaker-experiments/trial-components',
    headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
  });
  return r.statusCode;
}

describe('the run of a trial component made with CreateTrialComponent', () => {
  it('carries loam.trial_component_name, found by that tag alone though another run has its start time and name', async ({ task }) => {
    const start = 1_764_000_000.25;
    const name = nameForAttempt(task, 'Prep-Data');
    expect(await create({ TrialComponentName: name, DisplayName: 'same', StartTime: start })).toBe(200);
    expect(await create({ TrialComponentName: nameForAttempt(task, 'other-prep'), DisplayName: 'same', StartTime: start })).toBe(200);
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    const found = await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: `tags.\`loam.trial_component_name\` = '${name}'` });
    expect(found.status).toBe(200);
    const runs = found.json['runs'] as { info: { run_name: string; start_time: number }; data: { tags: { key: string; value: string }[] } }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]!.info).toMatchObject({ run_name: 'same', start_time: 1_764_000_000_250 });
    expect(runs[0]!.data.tags).toContainEqual({ key: 'loam.trial_component_name', value: name });
  });
});

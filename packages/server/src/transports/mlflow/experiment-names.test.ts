import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
// Each test creates the names it checks: its retry needs a server where they are free.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

describe('MLflow experiment names', () => {
  it('are one name whether sent composed (NFC) or decomposed (NFD): the second is RESOURCE_ALREADY_EXISTS', async () => {
    const nfd = 'cafe\u0301';
    const created = await call('POST', 'experiments/create', { name: nfd });
    expect(created.status).toBe(200);
    const again = await call('POST', 'experiments/create', { name: 'caf\u00e9' });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Experiment(name=caf\u00e9) already exists.' });
    for (const name of [nfd, 'caf\u00e9']) {
      const got = await call('GET', 'experiments/get-by-name', { experiment_name: name });
      expect(got.json.experiment).toMatchObject({ experiment_id: created.json.experiment_id, name: 'caf\u00e9' });
    }
  });

  it('may not hold control, bidirectional-control or zero-width characters; the refusal names the code point', async () => {
    const cases: [string, string][] = [['ab\u202ecd', 'U+202E at position 2'], ['a\u0000b', 'U+0000 at position 1'], ['a\u200bb', 'U+200B at position 1'], ['tab\there', 'U+0009 at position 3']];
    for (const [name, where] of cases) {
      const r = await call('POST', 'experiments/create', { name });
      expect(r.status, name).toBe(400);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.json.message).toContain(`it holds ${where}`);
      // The message shows the name with the invisible character escaped, not applied.
      expect(r.json.message).not.toMatch(/[\u202e\u200b]/);
    }
    const e = await call('POST', 'experiments/create', { name: 'plain' });
    const rename = await call('POST', 'experiments/update', { experiment_id: e.json.experiment_id, new_name: 'plain\u202e' });
    expect(rename.status).toBe(400);
    expect((await call('GET', 'experiments/get', { experiment_id: e.json.experiment_id })).json.experiment.name).toBe('plain');
    // The zero-width non-joiner and joiner are letters' business (Persian, Indic scripts, emoji sequences).
    for (const name of ['\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645', 'team \u{1f468}\u200d\u{1f469}\u200d\u{1f467}']) {
      expect((await call('POST', 'experiments/create', { name })).status, name).toBe(200);
    }
    // The first test's café is there too, unless this is a retry on a server of its own.
    const names = (await call('POST', 'experiments/search', { max_results: 100 })).json.experiments.map((x: { name: string }) => x.name).filter((n: string) => n !== 'caf\u00e9').sort();
    expect(names).toEqual(['Default', 'plain', 'team \u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645'].sort());
  });
});

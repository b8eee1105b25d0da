import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { batchTransformDeepAr, invokeDeepAr, loadDeepArModel, parseHyperparameters, saveDeepArModel, trainDeepAr } from './index.js';
import { Rng } from './rng.js';

// Four related monthly series: different levels, a shared yearly cycle, a little noise, one gap.
function panel(length: number): { start: string; target: (number | string)[]; cat: number[] }[] {
  const rng = new Rng(5);
  return [10, 20, 40, 80].map((level, i) => ({
    start: '2015-01-01 00:00:00',
    target: Array.from({ length }, (_, t) => (i === 1 && t === 9 ? 'NaN' : level * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 12)) + 0.5 * rng.normal())),
    cat: [i],
  }));
}

const HP = {
  time_freq: 'M', context_length: '12', prediction_length: '6', epochs: '3', num_cells: '8', num_layers: '2',
  mini_batch_size: '16', learning_rate: '0.01', embedding_dimension: '3', likelihood: 'gaussian', num_eval_samples: '20',
  test_quantiles: '[0.1, 0.5, 0.9]',
};
const train = panel(54);
const test = panel(60);

describe('DeepAR training and inference', () => {
  const lines: string[] = [];
  const first = trainDeepAr(HP, train, { seed: 3, test, log: (l) => lines.push(l) });

  it('is deterministic for a seed, and the seed matters', () => {
    const again = trainDeepAr(HP, train, { seed: 3, test });
    expect(Buffer.from(again.model.params.buffer).equals(Buffer.from(first.model.params.buffer))).toBe(true);
    expect(again.metrics).toEqual(first.metrics);
    const other = trainDeepAr(HP, train, { seed: 4 });
    expect(Buffer.from(other.model.params.buffer).equals(Buffer.from(first.model.params.buffer))).toBe(false);
  });

  it('reports SageMaker\'s metrics and log lines for the test channel', () => {
    const names = first.metrics.map((m) => m.name);
    expect(names).toEqual([
      'train:final_loss', 'test:RMSE', 'test:mean_absolute_QuantileLoss', 'test:mean_wQuantileLoss',
      'test:wQuantileLoss[0.1]', 'test:wQuantileLoss[0.5]', 'test:wQuantileLoss[0.9]',
    ]);
    const rmse = first.metrics[1]?.value as number;
    expect(lines).toContain(`#test_score (algo-1, RMSE): ${rmse}`);
    expect(lines.some((l) => /^#test_score \(algo-1, wQuantileLoss\[0\.9\]\): \d/.test(l))).toBe(true);
    expect(lines.some((l) => /^#quality_metric: host=algo-1, epoch=2, train loss <loss>=/.test(l))).toBe(true);
    expect(lines.some((l) => /^#quality_metric: host=algo-1, train final_loss <loss>=/.test(l))).toBe(true);
    // Another host of the training job names itself.
    const hostLines: string[] = [];
    trainDeepAr({ ...HP, epochs: '1' }, train, { log: (l) => hostLines.push(l), host: 'algo-2' });
    expect(hostLines.some((l) => l.startsWith('#quality_metric: host=algo-2, epoch=0, train loss'))).toBe(true);
    expect(hostLines.some((l) => l.includes('algo-1'))).toBe(false);
    // Training lowers the loss: the final (best) loss is below the first epoch's.
    const epoch0 = Number(/epoch=0, train loss <loss>=(.*)$/.exec(lines.find((l) => l.includes('epoch=0, train loss')) as string)?.[1]);
    expect(first.metrics[0]?.value).toBeLessThan(epoch0);
  });

  const request = {
    instances: [
      { start: '2015-01-01 00:00:00', target: test[0]?.target.slice(0, 40), cat: [0] },
      { start: '2016-06-01 00:00:00', target: test[3]?.target.slice(0, 30), cat: [3] },
    ],
    configuration: { num_samples: 7, output_types: ['mean', 'quantiles', 'samples'], quantiles: ['0.1', '0.9'] },
  };

  it('answers inference requests in SageMaker\'s shape', () => {
    const res = invokeDeepAr(first.model, request);
    expect(res.predictions).toHaveLength(2);
    for (const p of res.predictions) {
      expect(Object.keys(p).sort()).toEqual(['mean', 'quantiles', 'samples']);
      expect(p.mean).toHaveLength(6);
      expect(Object.keys(p.quantiles ?? {})).toEqual(['0.1', '0.9']);
      expect(p.samples).toHaveLength(7);
      expect(p.samples?.[0]).toHaveLength(6);
      p.mean?.forEach((m, k) => {
        expect(m).toBeCloseTo((p.samples ?? []).reduce((s, row) => s + (row[k] as number), 0) / 7, 9);
        expect(p.quantiles?.['0.1']?.[k]).toBeLessThanOrEqual(p.quantiles?.['0.9']?.[k] as number);
      });
    }
    const onlyQ = invokeDeepAr(first.model, { ...request, configuration: { output_types: ['quantiles'], quantiles: ['0.5'] } });
    expect(Object.keys(onlyQ.predictions[0] ?? {})).toEqual(['quantiles']);
  });

  it('a saved model reloads and forecasts identically', () => {
    const text = saveDeepArModel(first.model);
    const reloaded = loadDeepArModel(text);
    expect(invokeDeepAr(reloaded, request)).toEqual(invokeDeepAr(first.model, request));
    expect(() => loadDeepArModel(text.replace('"version":1', '"version":99'))).toThrow(/version 1/);
  });

  it('std scaling (_scaling=std) trains, forecasts around the series level, and reloads identically', () => {
    const std = trainDeepAr({ ...HP, likelihood: 'student-T', _scaling: 'std' }, train, { seed: 1 });
    const res = invokeDeepAr(std.model, request);
    const mean = res.predictions[1]?.mean ?? [];
    // Series 3 oscillates around 80 with amplitude 24: a forecast on its level, not near zero.
    expect(mean.reduce((a, b) => a + b, 0) / mean.length).toBeGreaterThan(40);
    expect(invokeDeepAr(loadDeepArModel(saveDeepArModel(std.model)), request)).toEqual(res);
  });

  it('a forecast depends on the series, not on where it stands in a request or a batch', () => {
    const [a, b] = request.instances;
    const both = invokeDeepAr(first.model, request).predictions;
    const swapped = invokeDeepAr(first.model, { ...request, instances: [b, a] }).predictions;
    const alone = invokeDeepAr(first.model, { ...request, instances: [b] }).predictions;
    expect(swapped[0]).toEqual(both[1]);
    expect(swapped[1]).toEqual(both[0]);
    expect(alone[0]).toEqual(both[1]);
    const cfg = { num_samples: 5, output_types: ['samples' as const] };
    const batch = batchTransformDeepAr(first.model, [a, b].map((i) => JSON.stringify(i)).join('\n'), cfg).trim().split('\n');
    const second = batchTransformDeepAr(first.model, JSON.stringify(b), cfg).trim();
    expect(batch[1]).toBe(second);
  });

  it('batch transform: one JSON line out per line in', () => {
    const input = request.instances.map((i) => JSON.stringify(i)).join('\n');
    const out = batchTransformDeepAr(first.model, input, { num_samples: 5, output_types: ['quantiles'], quantiles: ['0.5'] }).trim().split('\n');
    expect(out).toHaveLength(2);
    expect(JSON.parse(out[1] as string).quantiles['0.5']).toHaveLength(6);
  });

  it('rejects bad requests naming the instance or field', () => {
    expect(() => invokeDeepAr(first.model, { instances: [{ start: '2015-01-01', target: [1, 2] }, { start: 'soon', target: [1] }] })).toThrow(
      /instance 1 of the request: "cat" is missing/,
    );
    expect(() => invokeDeepAr(first.model, { instances: [{ start: '2015-01-01', target: [1, 'x'], cat: [0] }] })).toThrow(/instance 1 .*"target"\[1\]/);
    expect(() => invokeDeepAr(first.model, { ...request, configuration: { output_types: ['median'] } })).toThrow(/output_types/);
  });
});

describe('DeepAR bad input', () => {
  const withRecord = (i: number, rec: Record<string, unknown>): unknown[] => train.map((r, j) => (j === i ? { ...r, ...rec } : r));
  const fails = (data: unknown[], pattern: RegExp, hp: Record<string, string> = HP): void => {
    let err: unknown;
    try {
      trainDeepAr(hp, data);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlInputError);
    expect((err as Error).message).toMatch(pattern);
  };

  it('a series shorter than context_length + prediction_length', () => {
    fails(withRecord(2, { target: [1, 2, 3] }), /line 3 of channel 'train'.*3 points, shorter than context_length \+ prediction_length = 18/);
  });
  it('a non-numeric target', () => {
    fails(withRecord(1, { target: [...(train[1]?.target ?? []).slice(0, 20), 'abc', 4] }), /line 2 of channel 'train'.*"target"\[20\] is "abc"/);
  });
  it('a start that does not parse for time_freq', () => {
    fails(withRecord(0, { start: '2015-02-30 00:00:00' }), /line 1 of channel 'train'.*"start" "2015-02-30 00:00:00" does not parse.*time_freq 'M'/);
  });
  it('a cat out of cardinality', () => {
    fails(withRecord(3, { cat: [7] }), /line 4 of channel 'train'.*"cat"\[0\] = 7 is out of cardinality 4/, { ...HP, cardinality: '[4]' });
  });
  it('bad records in the test channel name the test channel and line', () => {
    const failsTest = (test: unknown[], pattern: RegExp, hp: Record<string, string> = HP): void => {
      expect(() => trainDeepAr(hp, train, { test })).toThrow(pattern);
    };
    failsTest(withRecord(1, { target: [1, 2] }), /line 2 of channel 'test'.*2 points, shorter than context_length \+ prediction_length = 18/);
    failsTest(withRecord(0, { start: 'yesterday' }), /line 1 of channel 'test'.*"start" "yesterday" does not parse/);
    failsTest(withRecord(2, { cat: [9] }), /line 3 of channel 'test'.*"cat"\[0\] = 9 is out of cardinality 4/, { ...HP, cardinality: '[4]' });
    failsTest(withRecord(0, { target: [...(train[0]?.target ?? []).slice(0, 30), null, 'NaN', true] }), /line 1 of channel 'test'.*"target"\[32\] is true/);
  });
  it('dynamic features of the wrong length name the record', () => {
    const n = train[0]?.target.length ?? 0;
    const withFeat = train.map((r) => ({ ...r, dynamic_feat: [Array.from({ length: r.target.length }, (_, k) => k % 2)] }));
    withFeat[1] = { ...(withFeat[1] as (typeof withFeat)[number]), dynamic_feat: [[1, 2, 3]] };
    fails(withFeat, /line 2 of channel 'train'.*dynamic_feat/);
    expect(n).toBeGreaterThan(18);
  });
  it('JSON Lines that are not JSON name the line', () => {
    expect(() => trainDeepAr(HP, `${JSON.stringify(train[0])}\n{"start": oops`)).toThrow(/line 2 of channel 'train': not valid JSON/);
  });
  it('hyperparameters name themselves', () => {
    fails(train, /Hyperparameter 'likelihood' must be one of/, { ...HP, likelihood: 'poisson' });
    fails(train, /Hyperparameter 'context_length' must be an integer/, { ...HP, context_length: 'ten' });
    fails(train, /Hyperparameter 'prediction_length' is required/, { ...HP, prediction_length: '' });
    fails(train, /Hyperparameter 'num_layers' must be a number from 1 to 8/, { ...HP, num_layers: '9' });
    fails(train, /Hyperparameter 'colour' is not a DeepAR hyperparameter/, { ...HP, colour: 'blue' });
    fails(train, /Hyperparameter '_scaling' must be 'mean' or 'std'/, { ...HP, _scaling: 'robust' });
    // A misspelt Loam extension is refused; SageMaker's own `_` names (tuning) still pass.
    fails(train, /Hyperparameter '_scalling' is not a DeepAR hyperparameter; did you mean '_scaling'\?/, { ...HP, _scalling: 'std' });
    fails(train, /Hyperparameter '_Validaton' is not a DeepAR hyperparameter; did you mean '_validation'\?/, { ...HP, _Validaton: 'tail' });
    expect(parseHyperparameters({ ...HP, _tuning_objective_metric: 'test:RMSE' })).toMatchObject({ scaling: 'mean' });
    fails(train, /Hyperparameter 'cardinality' must be a list like \[3, 10\]/, { ...HP, cardinality: 'many' });
  });
  it("SageMaker's 'ignore' drops cat and dynamic_feat; an empty value means the default", () => {
    expect(parseHyperparameters({ ...HP, cardinality: 'ignore', num_dynamic_feat: 'ignore' })).toMatchObject({ cardinality: 'ignore', numDynamicFeat: 'ignore' });
    expect(parseHyperparameters({ ...HP, cardinality: '', num_dynamic_feat: '' })).toMatchObject({ cardinality: 'ignore', numDynamicFeat: 'ignore' });
    expect(parseHyperparameters({ ...HP, likelihood: ' ', _scaling: '', _validation: '' })).toMatchObject({ likelihood: 'student-T', scaling: 'mean', validation: 'none' });
    // Ignored cat codes are not checked against a cardinality, and the model has no embedding for them.
    const ignored = trainDeepAr({ ...HP, cardinality: 'ignore', epochs: '1' }, withRecord(0, { cat: [99] }));
    expect(ignored.model.cardinality).toEqual([]);
  });
});

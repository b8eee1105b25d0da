import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { WeightAverage, emaDecay, EMA_EPOCHS } from './averaging.js';
import { invokeDeepAr, loadDeepArModel, parseHyperparameters, saveDeepArModel, trainDeepAr } from './index.js';
import { monthlyPanel as panel } from './panel.test-support.js';

const HP = {
  time_freq: 'M', context_length: '12', prediction_length: '6', epochs: '6', num_cells: '6', num_layers: '1',
  mini_batch_size: '8', learning_rate: '0.02', embedding_dimension: '2', likelihood: 'gaussian', _scaling: 'std',
};
const train = panel(48);
const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Trains and records every epoch's scored weights (copies) and the log. */
function trainRecorded(hp: Record<string, string>, seed = 2): { result: ReturnType<typeof trainDeepAr>; epochs: Float64Array[]; lines: string[] } {
  const epochs: Float64Array[] = [];
  const lines: string[] = [];
  const result = trainDeepAr(hp, train, { seed, log: (l) => lines.push(l), onEpoch: (_, w) => epochs.push(w.slice()) });
  return { result, epochs, lines };
}
const trainLosses = (lines: string[]): string[] => lines.filter((l) => /epoch=\d+, train loss/.test(l));
const keptEpoch = (lines: string[]): number => Number(/occurred at epoch (\d+)/.exec(lines.find((l) => l.startsWith('Final loss:')) ?? '')?.[1]);

describe('WeightAverage', () => {
  it('is the bias-corrected exponential average of the updates (no trace of the initial zeros)', () => {
    const avg = new WeightAverage(2, 0.5);
    avg.update(Float64Array.from([4, -2]));
    expect([...avg.params]).toEqual([4, -2]);
    avg.update(Float64Array.from([1, 1]));
    // weights 0.5 (older) and 1 (newer), divided by their sum 1.5
    expect(avg.params[0]).toBeCloseTo((0.5 * 4 + 1) / 1.5, 12);
    expect(avg.params[1]).toBeCloseTo((0.5 * -2 + 1) / 1.5, 12);
    expect(() => new WeightAverage(1, 1)).toThrow(RangeError);
  });
  it('decays by 1/e over EMA_EPOCHS epochs', () => {
    expect(Math.pow(emaDecay(9), EMA_EPOCHS * 9)).toBeCloseTo(Math.exp(-1), 12);
  });
});

describe('DeepAR weight averaging (_averaging)', () => {
  const plain = trainRecorded(HP);
  const ema = trainRecorded({ ...HP, _averaging: 'ema' });

  it('trains the same steps and keeps the moving average of the kept epoch, not its last-step weights', () => {
    // Without validation the schedule follows the training loss of the trained weights, so training is unchanged.
    expect(trainLosses(ema.lines)).toEqual(trainLosses(plain.lines));
    const at = keptEpoch(ema.lines);
    expect(at).toBe(keptEpoch(plain.lines));
    expect(same(ema.result.model.params, ema.epochs[at] as Float64Array)).toBe(true);
    expect(same(plain.result.model.params, plain.epochs[at] as Float64Array)).toBe(true);
    expect(same(ema.result.model.params, plain.result.model.params)).toBe(false);
  });

  it('with _validation=tail, the kept epoch is the one whose averaged weights have the lowest held-out loss', () => {
    const tail = trainRecorded({ ...HP, _validation: 'tail', _averaging: 'ema' });
    const val = tail.lines.flatMap((l) => /validation loss <loss>=(.*)$/.exec(l)?.slice(1).map(Number) ?? []);
    const at = val.indexOf(Math.min(...val));
    expect(keptEpoch(tail.lines)).toBe(at);
    expect(same(tail.result.model.params, tail.epochs[at] as Float64Array)).toBe(true);
  });

  it('is deterministic for a seed, and a saved model reloads and forecasts identically', () => {
    for (const validation of ['none', 'tail', 'tail-forecast', 'tail-refit']) {
      const hp = { ...HP, _validation: validation, _averaging: 'ema' };
      const a = trainDeepAr(hp, train, { seed: 5 });
      const b = trainDeepAr(hp, train, { seed: 5 });
      expect(same(a.model.params, b.model.params)).toBe(true);
      const request = { instances: [{ start: '2016-01-01 00:00:00', target: train[1]?.target, cat: [1] }], configuration: { num_samples: 5 } };
      const reloaded = loadDeepArModel(saveDeepArModel(a.model));
      expect(reloaded.hyperparameters.averaging).toBe('ema');
      expect(invokeDeepAr(reloaded, request)).toEqual(invokeDeepAr(a.model, request));
    }
  });

  it('is off by default; a bad or misspelt value is refused naming _averaging', () => {
    expect(parseHyperparameters(HP).averaging).toBe('none');
    expect(parseHyperparameters({ ...HP, _averaging: ' ' }).averaging).toBe('none');
    const fails = (hp: Record<string, string>, re: RegExp): void => {
      let err: unknown;
      try {
        trainDeepAr(hp, train);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MlInputError);
      expect((err as Error).message).toMatch(re);
    };
    fails({ ...HP, _averaging: 'swa' }, /Hyperparameter '_averaging' must be one of 'none', 'ema'; got 'swa'/);
    fails({ ...HP, _averagng: 'ema' }, /Hyperparameter '_averagng' is not a DeepAR hyperparameter; did you mean '_averaging'\?/);
  });
});

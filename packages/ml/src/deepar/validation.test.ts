import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { invokeDeepAr, loadDeepArModel, saveDeepArModel, trainDeepAr } from './index.js';
import { monthlyPanel as panel } from './panel.test-support.js';

const HP = {
  time_freq: 'M', context_length: '12', prediction_length: '6', epochs: '8', num_cells: '6', num_layers: '1',
  mini_batch_size: '8', learning_rate: '0.02', embedding_dimension: '2', likelihood: 'gaussian', _scaling: 'std',
};
const train = panel(48);

/** Runs a training and returns its log lines and result. */
function trainLogged(hp: Record<string, string>, data: unknown[], seed = 2): { lines: string[]; result: ReturnType<typeof trainDeepAr> } {
  const lines: string[] = [];
  const result = trainDeepAr(hp, data, { seed, log: (l) => lines.push(l) });
  return { lines, result };
}
const lossesOf = (lines: string[], re: RegExp): number[] => lines.flatMap((l) => {
  const m = re.exec(l);
  return m ? [Number(m[1])] : [];
});
const TRAIN_LOSS = /epoch=\d+, train loss <loss>=(.*)$/;
const VAL_LOSS = /validation loss <loss>=(.*)$/;
const FORECAST_SCORE = /validation mean_wQuantileLoss <score>=(.*)$/;

describe('DeepAR validation on a held-out tail (_validation)', () => {
  const tail = trainLogged({ ...HP, _validation: 'tail' }, train);

  it('keeps the epoch with the lowest validation loss', () => {
    const val = lossesOf(tail.lines, VAL_LOSS);
    expect(val).toHaveLength(8);
    const min = Math.min(...val);
    const at = val.indexOf(min);
    expect(tail.lines).toContain(`Final loss: ${min} (occurred at epoch ${at})`);
    expect(tail.result.metrics[0]).toEqual({ name: 'train:final_loss', value: min });
    // The validation losses are not monotone here, so "best" is not simply "last".
    expect(at).toBeLessThan(7);
  });

  it('trains only on points before each series\' last prediction_length: changing the tail changes no training step', () => {
    const altered = train.map((r) => ({ ...r, target: r.target.map((v, t) => (t >= r.target.length - 6 ? v * 3 + 50 : v)) }));
    const other = trainLogged({ ...HP, _validation: 'tail' }, altered);
    expect(lossesOf(other.lines, TRAIN_LOSS)).toEqual(lossesOf(tail.lines, TRAIN_LOSS));
    expect(lossesOf(other.lines, VAL_LOSS)).not.toEqual(lossesOf(tail.lines, VAL_LOSS));
    // Without validation the tail is trained on, so the training losses differ.
    const plainA = trainLogged(HP, train);
    const plainB = trainLogged(HP, altered);
    expect(lossesOf(plainB.lines, TRAIN_LOSS)).not.toEqual(lossesOf(plainA.lines, TRAIN_LOSS));
  });

  it('early_stopping_patience counts epochs without a better validation loss', () => {
    const stopped = trainLogged({ ...HP, epochs: '40', _validation: 'tail', early_stopping_patience: '2' }, train);
    const val = lossesOf(stopped.lines, VAL_LOSS);
    const at = val.indexOf(Math.min(...val));
    expect(stopped.result.epochsRun).toBe(val.length);
    expect(val.length).toBe(at + 3);
    expect(val.length).toBeLessThan(40);
  });

  it('tail-refit retrains on the whole series for the chosen number of epochs', () => {
    const refit = trainLogged({ ...HP, _validation: 'tail-refit' }, train);
    const val = lossesOf(refit.lines, VAL_LOSS);
    const epochs = val.indexOf(Math.min(...val)) + 1;
    expect(refit.lines).toContain(`Refitting on the whole train series for ${epochs} epochs (the best validation epoch).`);
    expect(refit.result.epochsRun).toBe(8 + epochs);
    expect(lossesOf(refit.lines, TRAIN_LOSS)).toHaveLength(8 + epochs);
  });

  it('tail-forecast keeps the epoch whose forecast of the held-out tail scores best', () => {
    const fc = trainLogged({ ...HP, _validation: 'tail-forecast' }, train);
    const scores = lossesOf(fc.lines, FORECAST_SCORE);
    const val = lossesOf(fc.lines, VAL_LOSS);
    expect(scores).toHaveLength(8);
    const at = scores.indexOf(Math.min(...scores));
    // The kept epoch is the forecast's choice; its validation loss is what train:final_loss reports.
    expect(fc.lines).toContain(`Final loss: ${val[at]} (occurred at epoch ${at})`);
    expect(fc.result.metrics[0]).toEqual({ name: 'train:final_loss', value: val[at] });
    // Training itself is the same as with `tail` (the learning-rate schedule follows the validation loss in both).
    expect(lossesOf(fc.lines, TRAIN_LOSS)).toEqual(lossesOf(tail.lines, TRAIN_LOSS));
    // Here the forecast and the loss disagree on the best epoch (else this test could not tell them apart).
    expect(val.indexOf(Math.min(...val))).not.toBe(at);
  });

  it('tail-forecast falls back to the validation loss when the held-out points are all missing or zero', () => {
    const zeroTails = train.map((r) => ({ ...r, target: r.target.map((v, t) => (t >= r.target.length - 6 ? (t % 2 ? 0 : 'NaN') : v)) }));
    const fc = trainLogged({ ...HP, _validation: 'tail-forecast' }, zeroTails);
    const plain = trainLogged({ ...HP, _validation: 'tail' }, zeroTails);
    expect(fc.lines).toContain('Validation: the held-out points are all missing or zero, so the validation loss chooses the epoch instead of the forecast.');
    expect(lossesOf(fc.lines, FORECAST_SCORE)).toEqual([]);
    expect(Buffer.from(fc.result.model.params.buffer).equals(Buffer.from(plain.result.model.params.buffer))).toBe(true);
  });

  it('_validation_windows=k holds out the last k × prediction_length points and scores one origin per window', () => {
    const three = trainLogged({ ...HP, _validation: 'tail', _validation_windows: '3' }, train);
    expect(three.lines).toContain('Validation: the last 3 × 6 points of each of 3 train series are held out to choose the epoch (9 forecast origins).');
    // Training sees nothing of the last 18 points: altering them changes no training loss, only the validation losses.
    const altered = train.map((r) => ({ ...r, target: r.target.map((v, t) => (t >= r.target.length - 18 ? v * 3 + 50 : v)) }));
    const other = trainLogged({ ...HP, _validation: 'tail', _validation_windows: '3' }, altered);
    expect(lossesOf(other.lines, TRAIN_LOSS)).toEqual(lossesOf(three.lines, TRAIN_LOSS));
    expect(lossesOf(other.lines, VAL_LOSS)).not.toEqual(lossesOf(three.lines, VAL_LOSS));
    // Altering only points 18..13 before the end (the oldest held-out window) moves the validation loss, too.
    const oldest = train.map((r) => ({ ...r, target: r.target.map((v, t) => (t >= r.target.length - 18 && t < r.target.length - 12 ? v + 20 : v)) }));
    const third = trainLogged({ ...HP, _validation: 'tail', _validation_windows: '3' }, oldest);
    expect(lossesOf(third.lines, TRAIN_LOSS)).toEqual(lossesOf(three.lines, TRAIN_LOSS));
    expect(lossesOf(third.lines, VAL_LOSS)).not.toEqual(lossesOf(three.lines, VAL_LOSS));
    // With one window the held-out tail is the last 6 points, so those points are trained on here and the runs differ.
    expect(lossesOf(tail.lines, TRAIN_LOSS)).not.toEqual(lossesOf(three.lines, TRAIN_LOSS));
    const val = lossesOf(three.lines, VAL_LOSS);
    expect(three.lines).toContain(`Final loss: ${Math.min(...val)} (occurred at epoch ${val.indexOf(Math.min(...val))})`);
    // `_validation_windows=1` is the default.
    const one = trainLogged({ ...HP, _validation: 'tail', _validation_windows: '1' }, train);
    expect(Buffer.from(one.result.model.params.buffer).equals(Buffer.from(tail.result.model.params.buffer))).toBe(true);
  });

  it('is deterministic for a seed, and a saved model reloads and forecasts identically', () => {
    for (const [mode, windows] of [['tail', '1'], ['tail-forecast', '1'], ['tail-refit', '1'], ['tail', '2'], ['tail-forecast', '2'], ['tail-refit', '2']] as const) {
      const a = trainDeepAr({ ...HP, _validation: mode, _validation_windows: windows }, train, { seed: 5 });
      const b = trainDeepAr({ ...HP, _validation: mode, _validation_windows: windows }, train, { seed: 5 });
      expect(Buffer.from(b.model.params.buffer).equals(Buffer.from(a.model.params.buffer))).toBe(true);
      const request = { instances: [{ start: '2016-01-01 00:00:00', target: train[1]?.target, cat: [1] }], configuration: { num_samples: 5 } };
      expect(invokeDeepAr(loadDeepArModel(saveDeepArModel(a.model)), request)).toEqual(invokeDeepAr(a.model, request));
    }
  });

  it('rejects an unknown mode, and a tail that leaves no training window, naming the hyperparameter', () => {
    expect(() => trainDeepAr({ ...HP, _validation: 'last' }, train)).toThrow(/Hyperparameter '_validation' must be one of 'none', 'tail', 'tail-forecast', 'tail-refit'/);
    let err: unknown;
    try {
      trainDeepAr({ ...HP, _validation: 'tail' }, panel(20));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlInputError);
    expect((err as Error).message).toMatch(/'_validation'.*leaves no train series with context_length \+ prediction_length \(18\) points/);
    const refused = (hp: Record<string, string>, re: RegExp, data: unknown[] = train): void => {
      let e: unknown;
      try {
        trainDeepAr(hp, data);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(MlInputError);
      expect((e as Error).message).toMatch(re);
    };
    // 48 points − 6 × 6 held out = 12 < 18.
    refused({ ...HP, _validation: 'tail', _validation_windows: '6' }, /Hyperparameters '_validation' and '_validation_windows': holding out the last 6 × 6 points leaves no train series/);
    refused({ ...HP, _validation: 'tail', _validation_windows: '0' }, /Hyperparameter '_validation_windows'/);
    refused({ ...HP, _validation: 'tail', _validation_windows: 'two' }, /Hyperparameter '_validation_windows' must be an integer; got 'two'/);
    refused({ ...HP, _validation_windows: '3' }, /Hyperparameter '_validation_windows' \(3\) needs '_validation' set to one of 'tail', 'tail-forecast', 'tail-refit'/);
    refused({ ...HP, _validation: 'tail', _validation_window: '3' }, /Hyperparameter '_validation_window' is not a DeepAR hyperparameter; did you mean '_validation_windows'\?/);
  });
});

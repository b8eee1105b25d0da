import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { GbdtModel } from './gbdt-model.js';
import { loadDataset, split, withMissing } from './test-support.js';
import { trainGbdt } from './train.js';

const bc = split(loadDataset('breast_cancer'));
const bcMissing = { train: { ...bc.train, x: withMissing(bc.train.x, 3) }, test: { ...bc.test, x: withMissing(bc.test.x, 4) } };
const sampled = { objective: 'binary:logistic', num_round: '15', subsample: '0.7', colsample_bytree: '0.8', colsample_bylevel: '0.9', colsample_bynode: '0.8', max_bin: '64', seed: '7' };

describe('GBDT determinism and threads', () => {
  it('gives the identical model for the same seed, and a different one for another seed', async () => {
    const a = JSON.stringify(await trainGbdt(bcMissing.train, sampled));
    const b = JSON.stringify(await trainGbdt(bcMissing.train, sampled));
    const c = JSON.stringify(await trainGbdt(bcMissing.train, { ...sampled, seed: '8' }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('the two-thread path (worker thread) builds exactly the single-thread model', async () => {
    for (const data of [bcMissing, split(loadDataset('wine'))]) {
      const multi = data === bcMissing ? sampled : { objective: 'multi:softprob', num_class: '3', num_round: '10', subsample: '0.8' };
      const one = await trainGbdt(data.train, multi, { threads: 1 });
      const two = await trainGbdt(data.train, multi, { threads: 2 });
      expect(JSON.stringify(two)).toBe(JSON.stringify(one));
      expect(one.data.trees.length).toBeGreaterThan(0);
    }
  });
});

describe('GBDT model', () => {
  it('predicts one row (four trees side by side) exactly as the batch path, with missing values and several classes', async () => {
    const wine = split(loadDataset('wine'));
    const cases = [
      { data: bcMissing.test.x, model: await trainGbdt(bcMissing.train, { objective: 'binary:logistic', num_round: '23', max_depth: '5' }) },
      { data: wine.test.x, model: await trainGbdt(wine.train, { objective: 'multi:softprob', num_class: '3', num_round: '7' }) },
    ];
    for (const { data, model } of cases) {
      const batch = model.predict(data);
      const per = model.outputsPerRow;
      for (let i = 0; i < data.rows; i++) {
        const row = Array.from({ length: data.cols }, (_, j) => data.data[j * data.rows + i] as number);
        expect(Array.from(model.predictRow(row))).toEqual(Array.from(batch.subarray(i * per, (i + 1) * per)));
      }
    }
  });

  it('round-trips through JSON with identical predictions, and refuses unknown format versions', async () => {
    const model = await trainGbdt(bcMissing.train, { objective: 'binary:logistic', num_round: '20' });
    const text = JSON.stringify(model);
    const back = GbdtModel.fromJSON(text);
    expect(Array.from(back.predict(bcMissing.test.x))).toEqual(Array.from(model.predict(bcMissing.test.x)));
    expect(JSON.stringify(back)).toBe(text);
    const future = { ...JSON.parse(text), formatVersion: 99 };
    expect(() => GbdtModel.fromJSON(future)).toThrow(/Unsupported GBDT model format version 99; this build reads version 1/);
    expect(() => GbdtModel.fromJSON('{"format":"other"}')).toThrow(MlInputError);
    // A tree the walks could not read safely is refused, naming the tree and node.
    const edit = (f: (t: Record<string, number[]>) => void) => {
      const j = JSON.parse(text) as { trees: Record<string, number[]>[] };
      f(j.trees[3]!);
      return () => GbdtModel.fromJSON(j as never);
    };
    const split = (t: Record<string, number[]>) => t['left']!.findIndex((l) => l >= 0);
    expect(edit((t) => { t['defaultLeft']![0] = 2; })).toThrow('Tree 3, node 0: defaultLeft is 2; expected 0 or 1.');
    expect(edit((t) => { t['left']![split(t)] = split(t); })).toThrow(/^Tree 3, node \d+: children \d+ and \d+ must be two nodes after it/);
    expect(edit((t) => { t['right']![split(t)] = 10_000; })).toThrow(/^Tree 3, node \d+: children/);
    expect(edit((t) => { t['left']![split(t)] = t['left']![split(t)]! + 0.5; })).toThrow(/must be whole numbers/);
    expect(edit((t) => { t['left']![0] = -0.5; })).toThrow('Tree 3, node 0: children -0.5');
    expect(edit((t) => { t['feature']![split(t)] = 99; })).toThrow(/split feature 99 is not a column of the model's 30/);
    expect(edit((t) => { for (const k of Object.keys(t)) t[k] = []; })).toThrow('Tree 3 has no nodes.');
  });

  it('predictRow equals the batch prediction, missing values included', async () => {
    const model = await trainGbdt(bcMissing.train, { objective: 'multi:softprob', num_class: '2', num_round: '10' });
    const batch = model.predict(bcMissing.test.x);
    const { x } = bcMissing.test;
    for (let i = 0; i < x.rows; i++) {
      const row = Array.from({ length: x.cols }, (_, j) => x.data[j * x.rows + i] as number);
      expect(Array.from(model.predictRow(row))).toEqual(Array.from(batch.subarray(2 * i, 2 * i + 2)));
    }
  });

  it('sends missing values the learned default way: a NaN-only signal is learned from missingness', async () => {
    // Label 1 exactly when feature 0 is missing; a tree can only separate them with its default direction.
    const n = 200;
    const data = new Float32Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3 === 0 ? 1 : 0;
      data[i] = y[i] === 1 ? Number.NaN : (i % 7) / 7;
      data[n + i] = (i % 5) / 5;
    }
    const model = await trainGbdt({ x: { rows: n, cols: 2, data }, y }, { objective: 'binary:logistic', num_round: '10', max_depth: '2' });
    expect(model.predictRow([Number.NaN, 0.4])[0]).toBeGreaterThan(0.9);
    expect(model.predictRow([0.3, 0.4])[0]).toBeLessThan(0.1);
    expect(model.data.trees[0]!.feature[0]).toBe(0);
  });

  it('logs in XGBoost format that SageMaker metric regexes match, and names final metrics as SageMaker does', async () => {
    const lines: string[] = [];
    const model = await trainGbdt(bc.train, { objective: 'binary:logistic', num_round: '13', eval_metric: 'auc' }, { validation: bc.test, onLog: (l) => lines.push(l) });
    expect(lines).toHaveLength(13);
    expect(lines[12]).toMatch(/^\[12\]\ttrain-auc:\d\.\d{5}\tvalidation-auc:\d\.\d{5}$/);
    // CloudWatch shows the tab as #011; SageMaker's built-in XGBoost metric definition reads that form.
    const cloudwatch = lines[12]!.replaceAll('\t', '#011');
    const m = /.*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+)/.exec(cloudwatch);
    expect(Number(m![1])).toBeCloseTo(model.finalMetrics.find((x) => x.name === 'validation:auc')!.value, 5);
    expect(model.finalMetrics.map((x) => x.name)).toEqual(['train:auc', 'validation:auc']);
  });
});

describe('GBDT early stopping', () => {
  it('keeps every tree but predicts with the best iteration (as SageMaker hosting serves it); JSON keeps both', async () => {
    const params = { objective: 'binary:logistic', num_round: '200', eta: '0.5', early_stopping_rounds: '5', eval_metric: 'logloss' };
    const stopped = await trainGbdt(bc.train, params, { validation: bc.test });
    const best = stopped.data.bestIteration;
    expect(stopped.data.trees.length).toBe(best + 6);
    // The first best + 1 rounds are the model trained for exactly that many rounds.
    const short = await trainGbdt(bc.train, { objective: 'binary:logistic', num_round: String(best + 1), eta: '0.5' });
    expect(Array.from(stopped.predict(bc.test.x))).toEqual(Array.from(short.predict(bc.test.x)));
    const row = Array.from({ length: bc.test.x.cols }, (_, j) => bc.test.x.data[j * bc.test.x.rows] as number);
    expect(Array.from(stopped.predictRow(row))).toEqual(Array.from(short.predictRow(row)));
    const back = GbdtModel.fromJSON(JSON.stringify(stopped));
    expect([back.data.trees.length, back.data.bestIteration]).toEqual([best + 6, best]);
    expect(Array.from(back.predict(bc.test.x))).toEqual(Array.from(short.predict(bc.test.x)));
    // A bestIteration that is not one of the model's rounds is refused.
    const j = JSON.parse(JSON.stringify(stopped)) as { bestIteration: number };
    expect(() => GbdtModel.fromJSON({ ...j, bestIteration: best + 6 } as never)).toThrow(/bestIteration 2?\d+ is not one of its \d+ rounds/);
    expect(() => GbdtModel.fromJSON({ ...j, bestIteration: -1 } as never)).toThrow(MlInputError);
  });
});

describe('GBDT in a tuning job (_tuning_objective_metric, as SageMaker passes it)', () => {
  it('evaluates the objective metric (appended to eval_metric) and early-stops on it', async () => {
    const base = { objective: 'binary:logistic', num_round: '200', eta: '0.5', early_stopping_rounds: '4', eval_metric: 'logloss' };
    const log: string[] = [];
    const tuned = await trainGbdt(bc.train, { ...base, _tuning_objective_metric: 'validation:auc' }, { validation: bc.test, onLog: (l) => log.push(l) });
    expect(log[0]).toMatch(/^\[0\]\ttrain-logloss:\S+\ttrain-auc:\S+\tvalidation-logloss:\S+\tvalidation-auc:\S+$/);
    // The kept round is the best validation AUC (first of equals), and training stopped 4 rounds after it.
    const auc = log.map((l) => Number(/validation-auc:(\S+)/.exec(l)![1]));
    const best = tuned.data.bestIteration;
    expect(auc.length).toBe(best + 5);
    expect(auc.findIndex((v) => v === Math.max(...auc))).toBe(best);
    expect(tuned.finalMetrics.map((m) => m.name)).toEqual(['train:logloss', 'train:auc', 'validation:logloss', 'validation:auc']);
    // Already in eval_metric: not added twice, but still the one early stopping watches.
    const both = await trainGbdt(bc.train, { ...base, eval_metric: 'auc,logloss', _tuning_objective_metric: 'validation:auc' }, { validation: bc.test });
    expect([both.data.bestIteration, both.finalMetrics.length]).toEqual([best, 4]);
  });

  it('names a malformed objective, an empty eval_metric and SageMaker k-fold options', async () => {
    const fail = async (hp: Record<string, string>) => (await trainGbdt(bc.train, { num_round: '2', ...hp }).then(() => undefined, (e: unknown) => e)) as MlInputError;
    expect((await fail({ _tuning_objective_metric: 'validation:f1' })).message).toMatch(/'_tuning_objective_metric' must be train:<metric> or validation:<metric> .*got 'validation:f1'/);
    expect((await fail({ _tuning_objective_metric: 'auc' })).where).toEqual({ hyperparameter: '_tuning_objective_metric' });
    expect((await fail({ eval_metric: ' , ' })).message).toMatch(/'eval_metric' names no metric/);
    expect((await fail({ _kfold: '5' })).message).toMatch(/'_kfold' \(k-fold cross-validation .*\) is not supported/);
    expect((await fail({ _num_cv_round: '2' })).where).toEqual({ hyperparameter: '_num_cv_round' });
  });
});

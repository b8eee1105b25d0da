import { describe, expect, it } from 'vitest';
import type { LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { checkpointRounds, GbdtCheckpointWriter, parseGbdtCheckpoint, type GbdtCheckpoint } from './checkpoint.js';
import { loadDataset, split, withMissing } from './test-support.js';
import { trainGbdt } from './train.js';

const bc = split(loadDataset('breast_cancer'));
const bcMissing = { train: { ...bc.train, x: withMissing(bc.train.x, 3) }, test: { ...bc.test, x: withMissing(bc.test.x, 4) } };
const wine = split(loadDataset('wine'));

/** Trains `hp`, keeping the checkpoint text written after each round (as the built-in image saves it). */
async function run(train: LabeledData, hp: Record<string, string>, validation?: LabeledData, resumeFrom?: GbdtCheckpoint, threads?: number) {
  const writer = new GbdtCheckpointWriter();
  const checkpoints: string[] = [];
  const log: string[] = [];
  const model = await trainGbdt(train, hp, {
    ...(validation ? { validation } : {}), ...(resumeFrom ? { resumeFrom } : {}), ...(threads ? { threads } : {}),
    onLog: (l) => log.push(l),
    onRound: (cp) => {
      checkpoints.push(writer.text(cp));
    },
  });
  return { model, checkpoints, log };
}

/** An uninterrupted run of `hp`, and runs stopped after `k` rounds then resumed from the checkpoint text. */
async function expectResumeEqual(train: LabeledData, hp: Record<string, string>, ks: number[], validation?: LabeledData) {
  const full = await run(train, hp, validation);
  for (const k of ks) {
    const first = await run(train, { ...hp, num_round: String(k) }, validation);
    const cp = parseGbdtCheckpoint(first.checkpoints.at(-1)!);
    expect(checkpointRounds(cp)).toBe(k);
    const resumed = await run(train, hp, validation, cp);
    expect(JSON.stringify(resumed.model)).toBe(JSON.stringify(full.model));
    expect(resumed.model.predict(train.x)).toEqual(full.model.predict(train.x));
    // The log continues the numbering: the resumed run prints exactly the uninterrupted run's later lines.
    expect(resumed.log).toEqual(full.log.slice(k));
    expect(resumed.log[0]?.startsWith(`[${k}]\t`)).toBe(true);
    expect(resumed.model.finalMetrics).toEqual(full.model.finalMetrics);
    // Its checkpoints are the uninterrupted run's from round k on.
    expect(resumed.checkpoints).toEqual(full.checkpoints.slice(k));
  }
  return full;
}

describe('GBDT continued training from a checkpoint', () => {
  it('a run stopped after k rounds and resumed equals the uninterrupted run (binary, missing values)', async () => {
    await expectResumeEqual(bcMissing.train, { objective: 'binary:logistic', num_round: '12', max_depth: '4', eval_metric: 'auc' }, [1, 5, 11], bcMissing.test);
  });

  it('equals it with row and column subsampling too: the random stream is replayed to the checkpoint', async () => {
    const sampled = { objective: 'binary:logistic', num_round: '10', subsample: '0.7', colsample_bytree: '0.8', colsample_bylevel: '0.9', colsample_bynode: '0.8', max_bin: '64', seed: '7' };
    await expectResumeEqual(bcMissing.train, sampled, [3, 9]);
  });

  it('equals it for multi-class objectives (one tree per class per round)', async () => {
    await expectResumeEqual(wine.train, { objective: 'multi:softprob', num_class: '3', num_round: '8', subsample: '0.8', seed: '3' }, [4], wine.test);
  });

  it('keeps the early-stopping state across the resume: same stopping round and best iteration', async () => {
    const hp = { objective: 'binary:logistic', num_round: '200', eta: '0.5', early_stopping_rounds: '3', eval_metric: 'logloss' };
    const full = await run(bc.train, hp, bc.test);
    const rounds = full.model.data.trees.length;
    expect(rounds).toBeLessThan(200);
    expect(full.model.data.bestIteration).toBe(rounds - 4);
    // Resumed before the best round, between it and the stop, and from the stopping round itself.
    await expectResumeEqual(bc.train, hp, [2, full.model.data.bestIteration + 2], bc.test);
    const last = parseGbdtCheckpoint(full.checkpoints.at(-1)!);
    const again = await run(bc.train, hp, bc.test, last);
    expect(again.log).toEqual([]);
    expect(JSON.stringify(again.model)).toBe(JSON.stringify(full.model));
  });

  it('equals it on more than 262,144 rows (quantile cuts from a row sample), on two threads', async () => {
    const rows = 270_000;
    const rng = new Rng(9);
    const data = new Float32Array(rows * 3);
    for (let i = 0; i < data.length; i++) data[i] = rng.next() < 0.05 ? Number.NaN : rng.normal();
    const y = Float64Array.from({ length: rows }, (_, i) => ((data[i] as number) + 0.5 * (data[rows + i] as number) > 0 ? 1 : 0));
    const big: LabeledData = { x: { rows, cols: 3, data }, y };
    const hp = { objective: 'binary:logistic', num_round: '4', max_depth: '3', subsample: '0.5', colsample_bylevel: '0.7', seed: '4' };
    const full = await run(big, hp, undefined, undefined, 2);
    const first = await run(big, { ...hp, num_round: '2' }, undefined, undefined, 2);
    const resumed = await run(big, hp, undefined, parseGbdtCheckpoint(first.checkpoints.at(-1)!), 2);
    expect(JSON.stringify(resumed.model)).toBe(JSON.stringify(full.model));
    expect(resumed.log).toEqual(full.log.slice(2));
  }, 60_000);

  it('a checkpoint with num_round or more rounds is the model: no round is added', async () => {
    const hp = { objective: 'reg:squarederror', num_round: '6' };
    const full = await run(bc.train, hp);
    const done = await run(bc.train, { ...hp, num_round: '4' }, undefined, parseGbdtCheckpoint(full.checkpoints.at(-1)!));
    expect(done.log).toEqual([]);
    expect(JSON.stringify(done.model)).toBe(JSON.stringify(full.model));
  });

  it('the checkpoint text is the model JSON (it loads as a model) with the random stream position', async () => {
    const { model, checkpoints } = await run(bc.train, { objective: 'binary:logistic', num_round: '3', subsample: '0.5' });
    const j = JSON.parse(checkpoints.at(-1)!) as Record<string, unknown>;
    expect(j).toEqual({ ...JSON.parse(JSON.stringify(model)), checkpoint: { rngDraws: 3 * bc.train.x.rows } });
    expect(parseGbdtCheckpoint(JSON.stringify(model)).rngDraws).toBeUndefined();
  });

  it('refuses a checkpoint of another model shape, and text that is not a checkpoint', async () => {
    const { checkpoints } = await run(bc.train, { objective: 'binary:logistic', num_round: '2' });
    const cp = parseGbdtCheckpoint(checkpoints[1]!);
    await expect(trainGbdt(bc.train, { objective: 'reg:squarederror', num_round: '4' }, { resumeFrom: cp })).rejects.toThrow(/checkpoint was trained with objective binary:logistic; this job has reg:squarederror/);
    const narrower: LabeledData = { x: { rows: wine.train.x.rows, cols: wine.train.x.cols, data: wine.train.x.data }, y: wine.train.y.map((v) => (v > 0 ? 1 : 0)) };
    await expect(trainGbdt(narrower, { objective: 'binary:logistic', num_round: '4' }, { resumeFrom: cp })).rejects.toThrow(/feature count 30; this job has 13/);
    expect(() => parseGbdtCheckpoint('{"trees": [')).toThrow(MlInputError);
    expect(() => parseGbdtCheckpoint('{"format": "other"}')).toThrow(/Not a Loam GBDT model/);
  });
});

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
    // No round is added, yet the model's metrics are reported (a tuning job's objective needs them).
    expect(again.model.finalMetrics.length).toBe(2);
    expect(again.model.finalMetrics).toEqual(full.model.finalMetrics);
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

  it('a checkpoint with num_round or more rounds is the model: no round is added, its metrics are reported', async () => {
    const hp = { objective: 'reg:squarederror', num_round: '6', eval_metric: 'rmse' };
    const full = await run(bc.train, hp, bc.test);
    const cp = parseGbdtCheckpoint(full.checkpoints.at(-1)!);
    const done = await run(bc.train, { ...hp, num_round: '4' }, bc.test, cp);
    expect(done.log).toEqual(['The checkpoint already has 6 rounds, more than num_round=4: the model keeps 6 (as SageMaker\'s XGBoost does).']);
    expect(JSON.stringify(done.model)).toBe(JSON.stringify(full.model));
    expect(done.model.finalMetrics).toEqual(full.model.finalMetrics);
    expect(done.model.finalMetrics.map((m) => m.name)).toEqual(['train:rmse', 'validation:rmse']);
    // Exactly num_round: nothing to say, and the metrics are there too.
    const same = await run(bc.train, hp, bc.test, cp);
    expect(same.log).toEqual([]);
    expect(same.model.finalMetrics).toEqual(full.model.finalMetrics);
  });

  it('the checkpoint text is the model JSON (it loads as a model) with the random stream position', async () => {
    const { model, checkpoints } = await run(bc.train, { objective: 'binary:logistic', num_round: '3', subsample: '0.5' });
    const j = JSON.parse(checkpoints.at(-1)!) as Record<string, unknown>;
    expect(j).toEqual({ ...JSON.parse(JSON.stringify(model)), checkpoint: { rngDraws: 3 * bc.train.x.rows, fingerprint: expect.objectContaining({ rows: bc.train.x.rows }) } });
    expect(Object.keys((j['checkpoint'] as { fingerprint: { params: object } }).fingerprint.params)).not.toContain('num_round');
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

describe('GBDT resume refuses a checkpoint of another run', () => {
  const hp = { objective: 'binary:logistic', num_round: '6', max_depth: '3', subsample: '0.8', colsample_bynode: '0.7', seed: '2' };
  const checkpointOf = async (h = hp, data = bc.train) => (await run(data, { ...h, num_round: '3' })).checkpoints.at(-1)!;
  const resume = (text: string, h: Record<string, string> = hp, data = bc.train) => trainGbdt(data, h, { resumeFrom: parseGbdtCheckpoint(text) });

  it('other training rows (another split), other labels, other hyperparameters: each named, with a new S3Uri asked for', async () => {
    const cp = await checkpointOf();
    const rows = bc.train.x.rows - 10;
    const fewer: LabeledData = { x: { rows, cols: bc.train.x.cols, data: Float32Array.from({ length: rows * bc.train.x.cols }, (_, i) => bc.train.x.data[Math.floor(i / rows) * bc.train.x.rows + (i % rows)]!) }, y: bc.train.y.slice(0, rows) };
    await expect(resume(cp, hp, fewer)).rejects.toThrow(/other data or hyperparameters: training rows 426 in the checkpoint, 416 in this job; the features' quantile cut points differ.*Use a new CheckpointConfig S3Uri/);
    const flipped: LabeledData = { ...bc.train, y: bc.train.y.map((v, i) => (i === 7 ? 1 - v : v)) };
    await expect(resume(cp, hp, flipped)).rejects.toThrow(/: the training labels or weights differ\. Use a new CheckpointConfig S3Uri/);
    const weighted: LabeledData = { ...bc.train, weights: new Float64Array(bc.train.x.rows).fill(1) };
    await expect(resume(cp, hp, weighted)).rejects.toThrow(/labels or weights differ/);
    await expect(resume(cp, { ...hp, max_depth: '4' })).rejects.toThrow(/: max_depth 3 in the checkpoint, 4 in this job\. Use a new/);
    await expect(resume(cp, { ...hp, eta: '0.1', subsample: '0.9' })).rejects.toThrow(/eta 0\.3 in the checkpoint, 0\.1 in this job; subsample 0\.8 in the checkpoint, 0\.9 in this job/);
    await expect(resume(cp, { ...hp, max_bin: '32' })).rejects.toThrow(/quantile cut points differ \(other feature values, or another max_bin\); max_bin 256 in the checkpoint, 32 in this job/);
    await expect(resume(cp, { ...hp, gamma: '0.5', lambda: '2' })).rejects.toThrow(/lambda 1 in the checkpoint, 2 in this job; gamma 0 in the checkpoint, 0\.5 in this job/);
    const err = await resume(cp, { ...hp, seed: '3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlInputError);
    // num_round, eval_metric and nthread do not shape the trees: a resume may change them.
    const ok = await trainGbdt(bc.train, { ...hp, eval_metric: 'auc', nthread: '1' }, { resumeFrom: parseGbdtCheckpoint(cp) });
    expect(ok.data.trees.length).toBe(6);
  });

  it('a num_class other than the checkpoint\'s, and trees that are not whole rounds', async () => {
    const mhp = { objective: 'multi:softprob', num_class: '3', num_round: '4' };
    const text = (await run(wine.train, mhp)).checkpoints.at(-1)!;
    await expect(resume(text, { ...mhp, num_class: '4' }, wine.train)).rejects.toThrow(/trained with num_class 3; this job has 4\. Use a new CheckpointConfig S3Uri/);
    const j = JSON.parse(text) as { trees: unknown[]; treeGroup: number[]; bestIteration: number };
    const short = { ...j, trees: j.trees.slice(0, -1), treeGroup: j.treeGroup.slice(0, -1), bestIteration: 2 };
    await expect(resume(JSON.stringify(short), mhp, wine.train)).rejects.toThrow(/checkpoint's 11 trees are not whole rounds of 3 output groups/);
    const swapped = { ...j, treeGroup: j.treeGroup.map((g, t) => (t < 3 ? [1, 0, 2][t]! : g)) };
    await expect(resume(JSON.stringify(swapped), mhp, wine.train)).rejects.toThrow(/not whole rounds of 3 output groups/);
  });

  it('an rngDraws other than the draws its rounds take is refused at once (no replay of a crafted count)', async () => {
    const cp = parseGbdtCheckpoint(await checkpointOf());
    const started = Date.now();
    await expect(trainGbdt(bc.train, hp, { resumeFrom: { ...cp, rngDraws: Number.MAX_SAFE_INTEGER } })).rejects.toThrow(/rngDraws 9007199254740991 is not the \d+ random draws its 3 rounds take/);
    await expect(trainGbdt(bc.train, hp, { resumeFrom: { ...cp, rngDraws: cp.rngDraws! + 1 } })).rejects.toThrow(/is damaged/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a threshold that is no cut point: refused when the fingerprint matches, routed on thresholds with a notice for a plain model file', async () => {
    const text = await checkpointOf();
    const j = JSON.parse(text) as { trees: { threshold: number[]; left: number[] }[]; checkpoint?: unknown };
    j.trees[1]!.threshold[0] = 12345.5;
    await expect(resume(JSON.stringify(j), hp)).rejects.toThrow(/tree 1 splits on a value that is not a cut point of this data's bins, though its fingerprint matches/);
    // A plain model grown with another max_bin: it continues, saying that it cannot be an uninterrupted run.
    const fine = { objective: 'binary:logistic', num_round: '3', max_bin: '256' };
    const plain = JSON.stringify((await run(bc.train, fine)).model);
    const log: string[] = [];
    const model = await trainGbdt(bc.train, { ...fine, num_round: '5', max_bin: '4' }, { resumeFrom: parseGbdtCheckpoint(plain), onLog: (l) => log.push(l) });
    expect(log[0]).toMatch(/^The checkpoint's tree 0 was not grown on these bins \(other data or another max_bin\): its rows are routed on thresholds/);
    expect(log.filter((l) => l.startsWith('The checkpoint'))).toHaveLength(1);
    expect(model.data.trees.length).toBe(5);
  });

  it('a plain model file resumed with sampling on says the result is not an uninterrupted run\'s', async () => {
    const plain = JSON.stringify((await run(bc.train, { ...hp, num_round: '2' })).model);
    const log: string[] = [];
    await trainGbdt(bc.train, hp, { resumeFrom: parseGbdtCheckpoint(plain), onLog: (l) => log.push(l) });
    expect(log[0]).toMatch(/does not record the random stream position \(a plain model file\): with subsample or colsample_\* below 1/);
    const quiet: string[] = [];
    const unsampled = { objective: 'binary:logistic', num_round: '4' };
    await trainGbdt(bc.train, unsampled, { resumeFrom: parseGbdtCheckpoint(JSON.stringify((await run(bc.train, { ...unsampled, num_round: '2' })).model)), onLog: (l) => quiet.push(l) });
    expect(quiet[0]).toMatch(/^\[2\]\t/);
  });

  it('an incomplete checkpoint is refused naming the field, never trained to NaN', async () => {
    const j = JSON.parse(await checkpointOf()) as Record<string, unknown> & { trees: { value: unknown[] }[] };
    for (const field of ['baseMargin', 'baseScore', 'numGroups', 'numFeatures', 'objective', 'trees']) {
      const { [field]: _gone, ...rest } = j;
      expect(() => parseGbdtCheckpoint(JSON.stringify(rest))).toThrow(new RegExp(`${field}`));
    }
    expect(() => parseGbdtCheckpoint(JSON.stringify({ ...j, baseMargin: null }))).toThrow(/Model's baseMargin null is not a finite number/);
    const nullLeaf = structuredClone(j);
    nullLeaf.trees[2]!.value[1] = null;
    expect(() => parseGbdtCheckpoint(JSON.stringify(nullLeaf))).toThrow(/Tree 2, node 1: value is null; expected a finite number/);
    expect(() => parseGbdtCheckpoint(JSON.stringify({ ...j, treeGroup: (j['treeGroup'] as number[]).map(() => 5) }))).toThrow(/treeGroup\[0\] 5 is not one of its 1 output groups/);
    expect(() => parseGbdtCheckpoint(JSON.stringify({ ...j, checkpoint: { rngDraws: 3, fingerprint: { rows: 'x' } } }))).toThrow(/fingerprint is not/);
  });
});

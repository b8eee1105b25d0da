import { describe, expect, it } from 'vitest';
import { fromRows } from '../data/matrix.js';
import { MlInputError } from '../errors.js';
import { parseGbdtParams } from './params.js';
import { trainGbdt } from './train.js';

const x = fromRows([[1, 2], [2, 1], [3, 5], [4, 4], [5, 0], [6, 1]]);
const y = Float64Array.from([0, 1, 0, 1, 0, 1]);

async function failure(p: Promise<unknown> | (() => unknown)): Promise<MlInputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(MlInputError);
    return e as MlInputError;
  }
  throw new Error('expected an MlInputError');
}

describe('GBDT hyperparameter validation', () => {
  it('names the hyperparameter that is out of range, not a number, unknown or missing', async () => {
    expect((await failure(() => parseGbdtParams({ num_round: '10', eta: '1.5' }))).message).toBe("Hyperparameter 'eta' must be a number from 0 to 1; got '1.5'.");
    expect((await failure(() => parseGbdtParams({ num_round: '10', max_depth: 'six' }))).where).toEqual({ hyperparameter: 'max_depth' });
    expect((await failure(() => parseGbdtParams({ num_round: '2.5' }))).message).toMatch(/'num_round' must be an integer/);
    expect((await failure(() => parseGbdtParams({ num_round: '10', subsample: '0' }))).message).toMatch(/'subsample' must be in \(0, 1\]/);
    expect((await failure(() => parseGbdtParams({ num_round: '10', max_bin: '1' }))).message).toMatch(/'max_bin' must be a number from 2/);
    expect((await failure(() => parseGbdtParams({ num_round: '10', lambda: '-1' }))).where).toEqual({ hyperparameter: 'lambda' });
    expect((await failure(() => parseGbdtParams({ num_round: '10', etta: '0.1' }))).message).toMatch(/^Hyperparameter 'etta' is not supported/);
    expect((await failure(() => parseGbdtParams({ eta: '0.1' }))).message).toBe("Hyperparameter 'num_round' is required.");
    expect((await failure(() => parseGbdtParams({ num_round: '5', objective: 'multi:softmax' }))).message).toMatch(/'num_class' is required/);
    expect((await failure(() => parseGbdtParams({ num_round: '5', objective: 'rank:pairwise' }))).where).toEqual({ hyperparameter: 'objective' });
    expect((await failure(() => parseGbdtParams({ num_round: '5', eval_metric: 'auc,ndcg' }))).message).toMatch(/'eval_metric' must be among .*got 'ndcg'/);
  });

  it('accepts the keys SageMaker adds and the XGBoost defaults', async () => {
    const p = parseGbdtParams({ num_round: '10', _tuning_objective_metric: 'validation:mae', tree_method: 'hist', verbosity: '1' });
    expect(p).toMatchObject({ objective: 'reg:squarederror', eta: 0.3, maxDepth: 6, maxBin: 256, lambda: 1, evalMetric: ['rmse', 'mae'], earlyStoppingMetric: 'mae', baseScore: 0.5 });
    expect((await failure(() => parseGbdtParams({ num_round: '10', objective: 'multi:softprob', num_class: '3', _tuning_objective_metric: 'validation:auc' }))).message).toMatch(/'_tuning_objective_metric' 'auc' is for binary objectives/);
  });
});

describe('GBDT data validation', () => {
  it('rejects labels that do not fit num_class, naming the row and hyperparameter', async () => {
    const e = await failure(trainGbdt({ x, y: Float64Array.from([0, 1, 2, 3, 0, 1]) }, { objective: 'multi:softprob', num_class: '3', num_round: '2' }));
    expect(e.message).toBe("Label at row 4 of the training data is 3, but num_class is 3: labels must be integers from 0 to 2 (check hyperparameter 'num_class').");
    expect(e.where).toMatchObject({ row: 4, hyperparameter: 'num_class' });
  });

  it('rejects NaN labels and out-of-range logistic labels with the row', async () => {
    expect((await failure(trainGbdt({ x, y: Float64Array.from([0, 1, Number.NaN, 1, 0, 1]) }, { num_round: '2' }))).message).toMatch(/^Label at row 3 of the training data is NaN/);
    expect((await failure(trainGbdt({ x, y: Float64Array.from([0, 1, 2, 1, 0, 1]) }, { objective: 'binary:logistic', num_round: '2' }))).where).toMatchObject({ row: 3 });
    expect((await failure(trainGbdt({ x, y: Float64Array.from([0, 1, -2, 1, 0, 1]) }, { objective: 'count:poisson', num_round: '2' }))).where).toMatchObject({ row: 3 });
  });

  it('rejects ragged matrices, label-count mismatches, mismatched validation columns and wrong-width rows', async () => {
    const ragged = { rows: 6, cols: 2, data: new Float32Array(11) };
    expect((await failure(trainGbdt({ x: ragged, y }, { num_round: '2' }))).message).toMatch(/holds 11 values for 6 rows × 2 columns: rows are ragged/);
    expect((await failure(trainGbdt({ x, y: y.subarray(0, 5) }, { num_round: '2' }))).message).toBe('The training data has 6 rows but 5 labels.');
    const validation = { x: fromRows([[1], [2]]), y: Float64Array.from([0, 1]) };
    expect((await failure(trainGbdt({ x, y }, { num_round: '2' }, { validation }))).where).toMatchObject({ dataset: 'validation', column: 1 });
    expect((await failure(trainGbdt({ x, y }, { num_round: '2', early_stopping_rounds: '3' }))).where).toEqual({ hyperparameter: 'early_stopping_rounds' });
    const model = await trainGbdt({ x, y }, { num_round: '2' });
    expect((await failure(() => model.predictRow([1, 2, 3]))).message).toBe('Row has 3 values; the model expects 2 features.');
    expect((await failure(() => model.predict(fromRows([[1, 2, 3]])))).message).toMatch(/3 feature columns; the model was trained on 2/);
  });
});

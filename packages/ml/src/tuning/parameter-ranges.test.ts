import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { Rng } from '../data/random.js';
import { parseParameterRanges, type ParameterRange } from './parameter-ranges.js';
import { fromUnit, SearchSpace, toUnit } from './search-space.js';

const reject = (input: Parameters<typeof parseParameterRanges>[0], strategy: 'Bayesian' | 'Grid', name: string, text: RegExp): void => {
  try {
    parseParameterRanges(input, strategy);
  } catch (e) {
    expect(e).toBeInstanceOf(MlInputError);
    expect((e as MlInputError).where['parameterRange']).toBe(name);
    expect((e as Error).message).toMatch(text);
    expect((e as Error).message).toContain(`'${name}'`);
    return;
  }
  throw new Error(`expected ${name} to be rejected`);
};

describe('ParameterRanges (SageMaker rules)', () => {
  it('rejects log scaling with a non-positive bound, naming the range', () => {
    reject({ ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0', MaxValue: '1', ScalingType: 'Logarithmic' }] }, 'Bayesian', 'eta', /greater than 0/);
    reject({ IntegerParameterRanges: [{ Name: 'depth', MinValue: '-1', MaxValue: '8', ScalingType: 'Logarithmic' }] }, 'Bayesian', 'depth', /Logarithmic/);
  });
  it('rejects reverse-log on an integer range and outside 0 ≤ x < 1', () => {
    reject({ IntegerParameterRanges: [{ Name: 'rounds', MinValue: '1', MaxValue: '9', ScalingType: 'ReverseLogarithmic' }] }, 'Bayesian', 'rounds', /continuous ranges only/);
    reject({ ContinuousParameterRanges: [{ Name: 'momentum', MinValue: '0.5', MaxValue: '1', ScalingType: 'ReverseLogarithmic' }] }, 'Bayesian', 'momentum', /MaxValue < 1/);
  });
  it('rejects numeric ranges under Grid, more than 30 categorical values, bad numbers and inverted bounds', () => {
    reject({ ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] }, 'Grid', 'eta', /Grid strategy/);
    reject({ CategoricalParameterRanges: [{ Name: 'booster', Values: Array.from({ length: 31 }, (_, i) => `v${i}`) }] }, 'Bayesian', 'booster', /1 to 30 values; got 31/);
    reject({ IntegerParameterRanges: [{ Name: 'depth', MinValue: '2.5', MaxValue: '8' }] }, 'Bayesian', 'depth', /must be an integer/);
    reject({ ContinuousParameterRanges: [{ Name: 'alpha', MinValue: 'abc', MaxValue: '8' }] }, 'Bayesian', 'alpha', /must be a number/);
    reject({ ContinuousParameterRanges: [{ Name: 'alpha', MinValue: '2', MaxValue: '2' }] }, 'Bayesian', 'alpha', /MinValue < MaxValue/);
    reject({ ContinuousParameterRanges: [{ Name: 'a', MinValue: '0', MaxValue: '1' }], CategoricalParameterRanges: [{ Name: 'a', Values: ['x'] }] }, 'Bayesian', 'a', /more than once/);
  });
  it('accepts valid ranges and resolves Auto (log for positive ranges spanning ≥ 100×)', () => {
    const r = parseParameterRanges(
      {
        ContinuousParameterRanges: [
          { Name: 'eta', MinValue: '0.001', MaxValue: '0.5', ScalingType: 'Auto' },
          { Name: 'subsample', MinValue: '0.5', MaxValue: '1' },
        ],
        IntegerParameterRanges: [{ Name: 'depth', MinValue: '3', MaxValue: '10' }],
        CategoricalParameterRanges: [{ Name: 'booster', Values: ['gbtree', 'dart'] }],
      },
      'Bayesian',
    );
    expect(r.map((x) => [x.name, x.type === 'Categorical' ? x.values.length : x.scaling])).toEqual([
      ['depth', 'Linear'], ['eta', 'Logarithmic'], ['subsample', 'Linear'], ['booster', 2],
    ]);
  });
});

describe('SearchSpace (unit-cube encoding)', () => {
  const logR: ParameterRange = { type: 'Continuous', name: 'lr', min: 1e-3, max: 1e-1, scaling: 'Logarithmic' };
  const revR: ParameterRange = { type: 'Continuous', name: 'beta', min: 0.9, max: 0.999, scaling: 'ReverseLogarithmic' };
  const intR: ParameterRange = { type: 'Integer', name: 'k', min: 1, max: 3, scaling: 'Linear' };

  it('warps log and reverse-log ranges (hand-computed midpoints)', () => {
    expect(toUnit(logR, 1e-2)).toBeCloseTo(0.5, 12); // geometric midpoint of 1e-3 and 1e-1
    expect(fromUnit(logR, 0.5)).toBeCloseTo(1e-2, 12);
    // 1 − x is log-uniform on [0.001, 0.1]: the midpoint is 1 − 0.01 = 0.99
    expect(toUnit(revR, 0.99)).toBeCloseTo(0.5, 12);
    expect(fromUnit(revR, 0.5)).toBeCloseTo(0.99, 12);
  });

  it('gives every integer an equal cell and snaps to its centre', () => {
    expect([0, 0.33, 0.34, 0.66, 0.67, 1].map((u) => fromUnit(intR, u))).toEqual([1, 1, 2, 2, 3, 3]);
    const space = new SearchSpace([intR]);
    expect(Array.from(space.snap(Float64Array.of(0.1)))[0]).toBeCloseTo(1 / 6, 12);
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[(space.decode(space.sample(rng))['k'] as number) - 1]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100); // 3σ ≈ 77
  });

  it('round-trips configurations, clamps numbers and refuses unknown categorical values', () => {
    const space = new SearchSpace([logR, intR, { type: 'Categorical', name: 'c', values: ['a', 'b', 'c'] }]);
    expect(space.dims).toBe(5);
    const u = space.encode({ lr: 0.01, k: 2, c: 'b' })!;
    expect(space.decode(u)).toEqual({ lr: expect.closeTo(0.01, 12), k: 2, c: 'b' });
    expect(space.decode(space.encode({ lr: 5, k: 9, c: 'a' })!)).toEqual({ lr: expect.closeTo(0.1, 12), k: 3, c: 'a' });
    expect(space.encode({ lr: 0.01, k: 2, c: 'z' })).toBeUndefined();
  });
});

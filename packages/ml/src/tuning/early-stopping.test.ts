import { describe, expect, it } from 'vitest';
import { HyperbandScheduler, hyperbandBrackets } from './hyperband.js';
import { shouldStopByMedianRule } from './median-stopping.js';

describe('Hyperband brackets', () => {
  it('reproduces Table 1 of Li et al. (2018) for R = 81, η = 3', () => {
    const b = hyperbandBrackets({ minResource: 1, maxResource: 81 });
    expect(b.map(({ s, n, r }) => [s, n, r])).toEqual([[4, 81, 1], [3, 34, 3], [2, 15, 9], [1, 8, 27], [0, 5, 81]]);
    expect(b.map((x) => x.rungs)).toEqual([[1, 3, 9, 27], [3, 9, 27], [9, 27], [27], []]);
  });
  it('scales with MinResource and rejects bad bounds', () => {
    const b = hyperbandBrackets({ minResource: 2, maxResource: 20 }); // s_max = ⌊log₃ 10⌋ = 2
    expect(b.map(({ s }) => s)).toEqual([2, 1, 0]);
    [20 / 9, 20 / 3, 20].forEach((r, i) => expect(b[i]!.r).toBeCloseTo(r, 12));
    expect(b[0]!.rungs).toEqual([2, 7]); // epochs are whole: ⌊2.22⌉, ⌊6.67⌉
    expect(() => hyperbandBrackets({ minResource: 5, maxResource: 4 })).toThrow(/MaxResource/);
    expect(() => hyperbandBrackets({ minResource: 0, maxResource: 4 })).toThrow(/MinResource/);
  });
  it('deals trials to brackets in proportion to n, interleaved', () => {
    const h = new HyperbandScheduler({ minResource: 1, maxResource: 9 }); // brackets n = 9, 5, 3
    expect(Array.from({ length: 6 }, (_, i) => h.bracketOf(i))).toEqual([0, 1, 2, 0, 1, 2]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 17; i++) counts[h.bracketOf(i)]!++;
    expect(counts).toEqual([9, 5, 3]);
  });
  it('keeps the top 1/η at a rung (at least the best so far), only at its bracket\'s rungs', () => {
    const h = new HyperbandScheduler({ minResource: 1, maxResource: 9 }); // bracket 0 rungs 1, 3
    expect(h.shouldStop(0, 1, 0.5, [], 'Minimize')).toBe(false); // first at the rung: it is the best
    expect(h.shouldStop(0, 1, 0.6, [0.5], 'Minimize')).toBe(true); // 2 trials → keep 1
    expect(h.shouldStop(0, 1, 0.4, [0.5, 0.6], 'Minimize')).toBe(false);
    // 6 trials → keep ⌊6/3⌋ = 2: values 0.1, 0.2 survive, 0.3 stops
    expect(h.shouldStop(0, 3, 0.3, [0.1, 0.2, 0.9, 0.8, 0.7], 'Minimize')).toBe(true);
    expect(h.shouldStop(0, 3, 0.2, [0.1, 0.3, 0.9, 0.8, 0.7], 'Minimize')).toBe(false);
    expect(h.shouldStop(0, 3, 0.8, [0.9, 0.1, 0.2, 0.3, 0.7], 'Maximize')).toBe(false);
    expect(h.shouldStop(0, 2, 99, [0.1], 'Minimize')).toBe(false); // 2 is not a rung
    expect(h.shouldStop(2, 1, 99, [0.1], 'Minimize')).toBe(false); // bracket 2 has no rungs
  });
});

describe('Median stopping rule (TrainingJobEarlyStoppingType Auto)', () => {
  // Earlier trials' running averages at epoch 2: (1+3)/2 = 2, (2+2)/2 = 2, (4+6)/2 = 5 → median 2.
  const previous = [[1, 3, 1], [2, 2], [4, 6, 5], [9]];
  it('stops a trial worse than the median of running averages (hand-computed)', () => {
    expect(shouldStopByMedianRule({ current: [5, 2.5], previous, direction: 'Minimize' })).toBe(true);
    expect(shouldStopByMedianRule({ current: [5, 1.5], previous, direction: 'Minimize' })).toBe(false);
    expect(shouldStopByMedianRule({ current: [5, 1.5], previous, direction: 'Maximize' })).toBe(true);
    // Epoch 3: only two earlier trials reached it → no vote with the default minimum of 3.
    expect(shouldStopByMedianRule({ current: [5, 5, 50], previous, direction: 'Minimize' })).toBe(false);
    // Epoch 1 with four voters: averages 1, 2, 4, 9 → median 3.
    expect(shouldStopByMedianRule({ current: [3.5], previous, direction: 'Minimize' })).toBe(true);
    expect(shouldStopByMedianRule({ current: [3], previous, direction: 'Minimize' })).toBe(false);
  });
});

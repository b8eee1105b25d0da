import type { ParameterRange } from './parameter-ranges.js';
import type { Configuration } from './search-space.js';

/**
 * Standard optimisation test functions (minimisation), as defined by Surjanovic & Bingham's Virtual
 * Library of Simulation Experiments and used by Optuna's and BoTorch's benchmarks. Bench and tests only.
 */
export interface TestFunction {
  readonly name: string;
  readonly ranges: readonly ParameterRange[];
  readonly optimum: number;
  evaluate(config: Configuration): number;
}

/** Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15]; global minimum 0.397887 (three minimisers). */
export const branin: TestFunction = {
  name: 'branin',
  ranges: [
    { type: 'Continuous', name: 'x1', min: -5, max: 10, scaling: 'Linear' },
    { type: 'Continuous', name: 'x2', min: 0, max: 15, scaling: 'Linear' },
  ],
  optimum: 0.397887,
  evaluate(c) {
    const x1 = c['x1'] as number;
    const x2 = c['x2'] as number;
    const b = 5.1 / (4 * Math.PI ** 2);
    return (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
};

const A6 = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P6 = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const ALPHA = [1.0, 1.2, 3.0, 3.2];

/** Hartmann 6-D on [0, 1]⁶; global minimum −3.32237. */
export const hartmann6: TestFunction = {
  name: 'hartmann6',
  ranges: Array.from({ length: 6 }, (_, i) => ({ type: 'Continuous' as const, name: `x${i}`, min: 0, max: 1, scaling: 'Linear' as const })),
  optimum: -3.32237,
  evaluate(c) {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let e = 0;
      for (let j = 0; j < 6; j++) e += A6[i]![j]! * ((c[`x${j}`] as number) - P6[i]![j]!) ** 2;
      s += ALPHA[i]! * Math.exp(-e);
    }
    return -s;
  },
};

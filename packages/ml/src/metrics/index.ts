export * from './classification.js';
export type { WeightOptions } from './inputs.js';
export * from './probabilistic.js';
export * from './ranking.js';
export * from './regression.js';

export * from './classification.js';
export * from './inputs.js';
export * from './probabilistic.js';
export * from './ranking.js';
export * from './regression.js';

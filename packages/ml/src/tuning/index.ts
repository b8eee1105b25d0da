// Automatic model tuning: SageMaker's ParameterRanges semantics and the search strategies (Bayesian,
// Random, Grid, Hyperband) plus median-rule early stopping. Pure and seeded; the orchestration that
// runs training jobs lives in core.
export * from './parameter-ranges.js';
export * from './search-space.js';
export * from './strategy.js';
export * from './bayesian-strategy.js';
export * from './random-strategy.js';
export * from './grid-strategy.js';
export * from './hyperband.js';
export * from './median-stopping.js';
export * from './create-strategy.js';
export { GaussianProcess, fitGaussianProcess, logMarginalLikelihood, type GpHyperparameters } from './gaussian-process.js';
export { logExpectedImprovement } from './acquisition.js';

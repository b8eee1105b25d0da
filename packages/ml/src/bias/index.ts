export * from './columns.js';
export * from './flip-test.js';
export * from './inputs.js';
export * from './posttraining.js';
export * from './pretraining.js';
export * from './registry.js';
export * from './report.js';

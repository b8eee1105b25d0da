export * from './data/matrix.js';
export * from './errors.js';

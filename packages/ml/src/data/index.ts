export * from './csv-reader.js';
export * from './libsvm-reader.js';
export * from './line-chunks.js';
export * from './matrix.js';
export * from './matrix-builder.js';
export * from './number-scanner.js';
export * from './random.js';
export * from './hyperparameters.js';

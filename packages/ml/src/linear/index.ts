export * from './evaluate.js';
export * from './hyperparameters.js';
export * from './losses.js';
export * from './model.js';
export * from './train.js';

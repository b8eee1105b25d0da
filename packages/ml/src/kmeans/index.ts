export * from './hyperparameters.js';
export * from './model.js';
export * from './train.js';

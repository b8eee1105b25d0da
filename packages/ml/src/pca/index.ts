export * from './eigen.js';
export * from './hyperparameters.js';
export * from './model.js';
export * from './train.js';

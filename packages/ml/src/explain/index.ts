export * from './baseline.js';
export * from './kernel-shap.js';
export * from './partial-dependence.js';
export * from './predict.js';
export * from './tree-shap.js';

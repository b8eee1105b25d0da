// Pure computation, no platform knowledge. Each area is a namespace so names stay short inside it
// (`gbdt.train…`, `metrics.auc`); import an area directly with `@loam/ml/<area>/index` when you use one.
export * from './data/matrix.js';
export * from './errors.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as gbdt from './gbdt/index.js';
export * as linear from './linear/index.js';
export * as kmeans from './kmeans/index.js';
export * as pca from './pca/index.js';
export * as deepar from './deepar/index.js';
export * as bias from './bias/index.js';
export * as explain from './explain/index.js';
export * as monitor from './monitor/index.js';

export type { ChannelMetrics, MetricValue } from './evaluate.js';
export * from './hyperparameters.js';
export * from './model.js';
export * from './train.js';

export * from './tuning-engine.js';
export * from './tuning.collections.js';
export * from './tuning-plan.js';
export * from './tuning-summaries.js';
export * from './tuning-orchestrator.js';
export * from './tuning-job.service.js';

export * from './kernel/errors.js';
export * from './kernel/names.js';
export * from './kernel/clock.js';
export * from './kernel/logger.js';
export * from './kernel/pagination.js';
export * from './kernel/state-machine.js';
export * from './ports/metadata-store.js';
export * from './ports/artifact-store.js';

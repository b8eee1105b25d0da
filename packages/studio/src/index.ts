// Studio is an app, not a library: `vite build` makes `dist/`, which the server serves at `/`. The
// schema helpers are exported for tests and tools that want Studio's view of an operation.
export * from './schema/columns.js';
export * from './schema/fields.js';
export * from './schema/labels.js';
export * from './schema/problems.js';
export * from './schema/shown-once.js';
export * from './schema/validate.js';

export * from './errors.js';
export * from './operation.js';
export * from './operations/index.js';
export * from './shapes/common.js';
export * as identityShapes from './shapes/identity.js';
export * as tagShapes from './shapes/tags.js';
export { buildOpenApi } from './openapi/build.js';

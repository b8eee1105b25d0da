export { ModelService, type ModelServiceOptions } from './model.service.js';
export { modelsCollection, type ModelRecord, type ServingContainer, type ServingImage } from './model.collections.js';
export { resolveServingImage } from './serving-image.js';

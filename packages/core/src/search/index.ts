export { SearchService, type SearchServiceOptions } from './search.service.js';
export { searchSources, type SearchSourcesOptions } from './search-sources.js';
export type { SearchSource } from './search-source.js';
export { compileSearchExpression, type RecordMatcher } from './search-expression.js';
export { experimentSearchSources, type ExperimentSearchSourcesOptions } from './experiment-sources.js';

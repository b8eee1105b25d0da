import { createRoute, type AnyRoute } from '@tanstack/react-router';
import { SearchPage } from './search-page.js';
import { parseSearchParams, searchPath } from './search-state.js';

/** The Search page, under the app's root route; the search itself is in the URL's parameters. */
export function searchRoutes(root: AnyRoute) {
  const search = createRoute({ getParentRoute: () => root, path: searchPath, component: SearchPage, staticData: { crumb: 'Search' }, validateSearch: parseSearchParams });
  return [search] as const;
}

import { createRoute, type AnyRoute } from '@tanstack/react-router';
import { SearchPage } from './search-page.js';
import { searchPath, type SearchParams } from './search-state.js';

/**
 * The Search page, under the app's root route; the search itself is in the URL's parameters. The route takes them
 * as the link gives them: given a reading (`parseSearchParams`), the router rewrites the URL with it as the page
 * loads, and what it left out would be gone before the page could say so. The page reads them (`readSearchParams`).
 */
export function searchRoutes(root: AnyRoute) {
  const search = createRoute({ getParentRoute: () => root, path: searchPath, component: SearchPage, staticData: { crumb: 'Search' }, validateSearch: (s: Record<string, unknown>) => s as SearchParams });
  return [search] as const;
}

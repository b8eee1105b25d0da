import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { GroupPage } from './group-page.js';
import { RegistryPage } from './registry-page.js';
import { registryPath } from './registry-paths.js';

/** Model Registry pages, hung under the app's root route. */
export function registryRoutes(root: AnyRoute) {
  const registry = createRoute({ getParentRoute: () => root, path: registryPath, component: Outlet, staticData: { crumb: 'Model registry' } });
  const index = createRoute({ getParentRoute: () => registry, path: '/', component: RegistryPage });
  const group = createRoute({ getParentRoute: () => registry, path: '$groupName', component: GroupPage, staticData: { crumb: (p: Record<string, string>) => p.groupName ?? '' } });
  return [registry.addChildren([index, group])] as const;
}

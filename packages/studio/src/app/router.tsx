import { createRootRoute, createRoute, createRouter, Outlet } from '@tanstack/react-router';
import { PlaceholderPage } from '../patterns/placeholder-page.js';
import { HomePage } from '../pages/home-page.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { PoliciesPage } from '../pages/policies-page.js';
import { PolicyDetailPage } from '../pages/policy-detail-page.js';
import { SettingsPage } from '../pages/settings-page.js';
import { TagsPage } from '../pages/tags-page.js';
import { UserDetailPage } from '../pages/user-detail-page.js';
import { UsersPage } from '../pages/users-page.js';
import { DatasetDetailPage } from '../pages/datasets/dataset-detail-page.js';
import { DatasetsPage } from '../pages/datasets/datasets-page.js';
import { FlowEditorPage } from '../pages/flows/flow-editor-page.js';
import { FlowsPage } from '../pages/flows/flows-page.js';
import { experimentRoutes } from '../pages/experiments/experiment-routes.js';
import { jobRoutes } from '../pages/jobs/job-routes.js';
import { modelRoutes } from '../pages/models/model-routes.js';
import { tuningRoutes } from '../pages/tuning/tuning-routes.js';
import { lineageRoutes } from '../pages/lineage/lineage-routes.js';
import { registryRoutes } from '../pages/registry/registry-routes.js';
import { transformRoutes } from '../pages/transform/transform-routes.js';
import { searchRoutes } from '../pages/search/search-routes.js';
import { AppFrame } from './app-frame.js';
import { allNavItems } from './navigation.js';
import { parseUrlSearch, stringifyUrlSearch } from './url-search.js';

const root = createRootRoute({ component: AppFrame, notFoundComponent: NotFoundPage });
const home = createRoute({ getParentRoute: () => root, path: '/', component: HomePage, staticData: { crumb: 'Home' } });
const users = createRoute({ getParentRoute: () => root, path: '/users', component: Outlet, staticData: { crumb: 'Users & access keys' } });
const usersIndex = createRoute({ getParentRoute: () => users, path: '/', component: UsersPage });
const user = createRoute({ getParentRoute: () => users, path: '$userName', component: UserDetailPage, staticData: { crumb: (p) => p.userName ?? '' } });
const policies = createRoute({ getParentRoute: () => root, path: '/policies', component: Outlet, staticData: { crumb: 'Policies' } });
const policiesIndex = createRoute({ getParentRoute: () => policies, path: '/', component: PoliciesPage });
const policy = createRoute({ getParentRoute: () => policies, path: '$policyName', component: PolicyDetailPage, staticData: { crumb: (p) => p.policyName ?? '' } });
const tags = createRoute({
  getParentRoute: () => root,
  path: '/tags',
  component: TagsPage,
  staticData: { crumb: 'Tags' },
  validateSearch: (s: Record<string, unknown>): { arn?: string } => (typeof s.arn === 'string' ? { arn: s.arn } : {}),
});
const settings = createRoute({ getParentRoute: () => root, path: '/settings', component: SettingsPage, staticData: { crumb: 'Settings' } });
const datasets = createRoute({ getParentRoute: () => root, path: '/datasets', component: Outlet, staticData: { crumb: 'Datasets' } });
const datasetsIndex = createRoute({ getParentRoute: () => datasets, path: '/', component: DatasetsPage });
const dataset = createRoute({ getParentRoute: () => datasets, path: '$datasetName', component: DatasetDetailPage, staticData: { crumb: (p) => p.datasetName ?? '' } });
const flows = createRoute({ getParentRoute: () => root, path: '/flows', component: Outlet, staticData: { crumb: 'Data flows' } });
const flowsIndex = createRoute({
  getParentRoute: () => flows,
  path: '/',
  component: FlowsPage,
  validateSearch: (s: Record<string, unknown>): { dataset?: string } => (typeof s.dataset === 'string' ? { dataset: s.dataset } : {}),
});
const flow = createRoute({ getParentRoute: () => flows, path: '$flowName', component: FlowEditorPage, staticData: { crumb: (p) => p.flowName ?? '' } });
const placeholders = allNavItems
  .filter((i) => i.comingWith)
  .map((i) => createRoute({ getParentRoute: () => root, path: i.to, component: () => <PlaceholderPage item={i} />, staticData: { crumb: i.label } }));

const routeTree = root.addChildren([home, users.addChildren([usersIndex, user]), policies.addChildren([policiesIndex, policy]), tags, settings, datasets.addChildren([datasetsIndex, dataset]), flows.addChildren([flowsIndex, flow]), ...jobRoutes(root), ...experimentRoutes(root), ...modelRoutes(root), ...tuningRoutes(root), ...lineageRoutes(root), ...registryRoutes(root), ...transformRoutes(root), ...searchRoutes(root), ...placeholders]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true, parseSearch: parseUrlSearch, stringifySearch: stringifyUrlSearch });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { EndpointConfigDetailPage } from '../endpoints/endpoint-config-detail-page.js';
import { EndpointConfigsPage } from '../endpoints/endpoint-configs-page.js';
import { EndpointDetailPage } from '../endpoints/endpoint-detail-page.js';
import { EndpointsPage } from '../endpoints/endpoints-page.js';
import { ModelDetailPage } from './model-detail-page.js';
import { ModelsPage } from './models-page.js';

const crumb = (key: string) => (p: Record<string, string>) => p[key] ?? '';

/** Models, endpoint configs and endpoints, hung under the app's root route. */
export function modelRoutes(root: AnyRoute) {
  const models = createRoute({ getParentRoute: () => root, path: '/models', component: Outlet, staticData: { crumb: 'Models' } });
  const modelsIndex = createRoute({ getParentRoute: () => models, path: '/', component: ModelsPage });
  const model = createRoute({ getParentRoute: () => models, path: '$modelName', component: ModelDetailPage, staticData: { crumb: crumb('modelName') } });
  const configs = createRoute({ getParentRoute: () => root, path: '/endpoint-configs', component: Outlet, staticData: { crumb: 'Endpoint configs' } });
  const configsIndex = createRoute({ getParentRoute: () => configs, path: '/', component: EndpointConfigsPage });
  const config = createRoute({ getParentRoute: () => configs, path: '$configName', component: EndpointConfigDetailPage, staticData: { crumb: crumb('configName') } });
  const endpoints = createRoute({ getParentRoute: () => root, path: '/endpoints', component: Outlet, staticData: { crumb: 'Endpoints' } });
  const endpointsIndex = createRoute({ getParentRoute: () => endpoints, path: '/', component: EndpointsPage });
  const endpoint = createRoute({ getParentRoute: () => endpoints, path: '$endpointName', component: EndpointDetailPage, staticData: { crumb: crumb('endpointName') } });
  return [models.addChildren([modelsIndex, model]), configs.addChildren([configsIndex, config]), endpoints.addChildren([endpointsIndex, endpoint])] as const;
}

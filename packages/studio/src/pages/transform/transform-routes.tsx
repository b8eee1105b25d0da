import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { TransformJobDetailPage } from './transform-job-detail-page.js';
import { TransformJobsPage } from './transform-jobs-page.js';
import { transformJobsPath } from './transform-paths.js';

/** Batch transform pages, hung under the app's root route. */
export function transformRoutes(root: AnyRoute) {
  const jobs = createRoute({ getParentRoute: () => root, path: transformJobsPath, component: Outlet, staticData: { crumb: 'Batch transform' } });
  const index = createRoute({ getParentRoute: () => jobs, path: '/', component: TransformJobsPage });
  const job = createRoute({ getParentRoute: () => jobs, path: '$jobName', component: TransformJobDetailPage, staticData: { crumb: (p: Record<string, string>) => p.jobName ?? '' } });
  return [jobs.addChildren([index, job])] as const;
}

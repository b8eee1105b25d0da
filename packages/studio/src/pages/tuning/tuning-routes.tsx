import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { TuningJobDetailPage } from './tuning-job-detail-page.js';
import { TuningJobsPage } from './tuning-jobs-page.js';

/** Tuning job pages, hung under the app's root route. */
export function tuningRoutes(root: AnyRoute) {
  const tuning = createRoute({ getParentRoute: () => root, path: '/tuning-jobs', component: Outlet, staticData: { crumb: 'Tuning jobs' } });
  const index = createRoute({ getParentRoute: () => tuning, path: '/', component: TuningJobsPage });
  const job = createRoute({ getParentRoute: () => tuning, path: '$jobName', component: TuningJobDetailPage, staticData: { crumb: (p: Record<string, string>) => p.jobName ?? '' } });
  return [tuning.addChildren([index, job])] as const;
}

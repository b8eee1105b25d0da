import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { ProcessingJobDetailPage } from './processing-job-detail-page.js';
import { ProcessingJobsPage } from './processing-jobs-page.js';
import { TrainingJobDetailPage } from './training-job-detail-page.js';
import { TrainingJobsPage } from './training-jobs-page.js';

/** Training and processing job pages, hung under the app's root route. */
export function jobRoutes(root: AnyRoute) {
  const training = createRoute({ getParentRoute: () => root, path: '/training-jobs', component: Outlet, staticData: { crumb: 'Training jobs' } });
  const trainingIndex = createRoute({ getParentRoute: () => training, path: '/', component: TrainingJobsPage });
  const trainingJob = createRoute({ getParentRoute: () => training, path: '$jobName', component: TrainingJobDetailPage, staticData: { crumb: (p: Record<string, string>) => p.jobName ?? '' } });
  const processing = createRoute({ getParentRoute: () => root, path: '/processing-jobs', component: Outlet, staticData: { crumb: 'Processing jobs' } });
  const processingIndex = createRoute({ getParentRoute: () => processing, path: '/', component: ProcessingJobsPage });
  const processingJob = createRoute({ getParentRoute: () => processing, path: '$jobName', component: ProcessingJobDetailPage, staticData: { crumb: (p: Record<string, string>) => p.jobName ?? '' } });
  return [training.addChildren([trainingIndex, trainingJob]), processing.addChildren([processingIndex, processingJob])] as const;
}

import { createRoute, Outlet, type AnyRoute } from '@tanstack/react-router';
import { ComparePage } from './compare-page.js';
import { ExperimentName, RunCrumb } from './experiment-crumbs.js';
import { ExperimentPage } from './experiment-page.js';
import { ExperimentsPage } from './experiments-page.js';
import { RunDetailPage } from './run-detail-page.js';

/** Experiments, an experiment's runs, one run, and the compare view, under the app's root route. */
export function experimentRoutes(root: AnyRoute) {
  const experiments = createRoute({ getParentRoute: () => root, path: '/experiments', component: Outlet, staticData: { crumb: 'Experiments' } });
  const index = createRoute({ getParentRoute: () => experiments, path: '/', component: ExperimentsPage });
  const compare = createRoute({
    getParentRoute: () => experiments,
    path: 'compare',
    component: ComparePage,
    staticData: { crumb: 'Compare runs' },
    validateSearch: (s: Record<string, unknown>): { runs?: string } => (typeof s.runs === 'string' ? { runs: s.runs } : {}),
  });
  const run = createRoute({ getParentRoute: () => experiments, path: 'runs/$runId', component: RunDetailPage, staticData: { crumb: (p: Record<string, string>) => <RunCrumb runId={p.runId ?? ''} /> } });
  const experiment = createRoute({ getParentRoute: () => experiments, path: '$experimentId', component: ExperimentPage, staticData: { crumb: (p: Record<string, string>) => <ExperimentName experimentId={p.experimentId ?? ''} /> } });
  return [experiments.addChildren([index, compare, run, experiment])] as const;
}

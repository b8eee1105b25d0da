import { createRoute, type AnyRoute } from '@tanstack/react-router';
import { LineagePage } from './lineage-page.js';
import { lineagePath } from './lineage-link.js';

/** The lineage graph page, `?arn=` naming where it starts. */
export function lineageRoutes(root: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => root,
      path: lineagePath,
      component: LineagePage,
      staticData: { crumb: 'Lineage' },
      validateSearch: (s: Record<string, unknown>): { arn?: string } => (typeof s.arn === 'string' ? { arn: s.arn } : {}),
    }),
  ] as const;
}

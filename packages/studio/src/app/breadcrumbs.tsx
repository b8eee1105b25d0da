import type { ReactNode } from 'react';
import { Anchor, Breadcrumbs as MantineBreadcrumbs, Text } from '@mantine/core';
import { Link, useMatches } from '@tanstack/react-router';

declare module '@tanstack/react-router' {
  interface StaticDataRouteOption {
    /**
     * The breadcrumb for this route: text, or what its path parameters give (text, or an element that
     * looks up the resource's name, e.g. an experiment's name from its ID).
     */
    crumb?: string | ((params: Record<string, string>) => ReactNode);
  }
}

/** Where you are, from the matched routes' `staticData.crumb`; every step but the last is a link. */
export function Breadcrumbs() {
  const matches = useMatches();
  const crumbs = matches
    .filter((m) => m.staticData?.crumb)
    .map((m) => {
      const c = m.staticData.crumb!;
      return { to: m.pathname, label: typeof c === 'function' ? c(m.params as Record<string, string>) : c };
    });
  if (crumbs.length <= 1 && crumbs[0]?.to === '/') return null;
  return (
    <nav aria-label="Breadcrumb">
      <MantineBreadcrumbs mb="md" separator="›">
        {[{ to: '/', label: 'Home' }, ...crumbs.filter((c) => c.to !== '/')].map((c, i, all) =>
          i === all.length - 1 ? (
            <Text size="sm" key={c.to} aria-current="page">
              {c.label}
            </Text>
          ) : (
            <Anchor component={Link} to={c.to} size="sm" key={c.to}>
              {c.label}
            </Anchor>
          ),
        )}
      </MantineBreadcrumbs>
    </nav>
  );
}

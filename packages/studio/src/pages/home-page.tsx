import { lazy, Suspense, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { activityLog } from '../api/client.js';
import { fetchHealth } from '../api/session.js';
import { loam } from '../api/client.js';
import { navigation } from '../app/navigation.js';
import { useNotifications } from '../app/notifications.js';
import { useSession } from '../app/session.js';
import { formatTime, timeAgo } from '../schema/format.js';
import { LogViewer } from '../patterns/log-viewer.js';
import { StatusBadge } from '../patterns/status-badge.js';
import { GettingStartedPanel } from './getting-started-panel.js';
import { policyPath } from './policies-page.js';
import { userPath } from './users-page.js';

// Recharts is most of the bundle; load it only where a chart is shown.
const TimeSeriesChart = lazy(() => import('../patterns/time-series-chart.js').then((m) => ({ default: m.TimeSeriesChart })));

function useHealthHistory() {
  const { notify } = useNotifications();
  const [points, setPoints] = useState<{ t: number; ms: number }[]>([]);
  const last = useRef<string | undefined>(undefined);
  const q = useQuery({ queryKey: ['healthz', 'home'], queryFn: ({ signal }) => fetchHealth(signal), refetchInterval: 3000 });
  useEffect(() => {
    if (!q.data) return;
    setPoints((p) => [...p.slice(-59), { t: q.dataUpdatedAt, ms: q.data.ms }]);
    if (last.current && last.current !== q.data.status) notify({ title: `Loam server is now ${q.data.status}`, tone: q.data.status === 'ok' ? 'success' : 'error' });
    last.current = q.data.status;
  }, [q.data, q.dataUpdatedAt, notify]);
  return { status: q.data?.status, checks: q.data?.checks, points };
}

function Panel({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder radius="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** Home: is the server healthy, what exists, what changed recently, and what this tab has been doing. */
export function HomePage() {
  const { session } = useSession();
  const health = useHealthHistory();
  const users = useQuery({ queryKey: ['ListUsers', 'home'], queryFn: ({ signal }) => loam.ListUsers({ MaxResults: 100 }, { signal }), refetchInterval: 15_000 });
  const policies = useQuery({ queryKey: ['ListPolicies', 'all'], queryFn: ({ signal }) => loam.ListPolicies({ MaxResults: 100 }, { signal }) });
  const entries = useSyncExternalStore(activityLog.subscribe, activityLog.snapshot);
  const lines = useMemo(
    () => entries.map((e) => ({ id: e.id, at: e.at, text: `${e.operation ?? e.method} ${e.status} ${e.ms} ms  ${e.method} ${e.path}`, level: e.status === 'failed' || (typeof e.status === 'number' && e.status >= 400) ? ('error' as const) : ('info' as const) })),
    [entries],
  );
  const recent = useMemo(() => {
    const items = [
      ...(users.data?.Users ?? []).map((u) => ({ at: u.CreateDate, text: `User ${u.UserName} created`, to: userPath(u.UserName) })),
      ...(policies.data?.Policies ?? []).filter((p) => !p.IsBuiltIn).map((p) => ({ at: p.UpdateDate, text: `Policy ${p.PolicyName} ${p.UpdateDate > p.CreateDate ? 'updated' : 'created'}`, to: policyPath(p.PolicyName) })),
    ];
    return items.sort((a, b) => b.at - a.at).slice(0, 8);
  }, [users.data, policies.data]);
  const coming = navigation.flatMap((g) => g.items).filter((i) => i.comingWith);
  const count = (n: number | undefined, more: boolean, one: string, many: string) => (n === undefined ? `… ${many}` : `${n}${more ? '+' : ''} ${n === 1 && !more ? one : many}`);

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Welcome, {session.userName}
        </Title>
        <Text size="sm" c="dimmed">
          Press <strong>/</strong> to find anything by name, <strong>?</strong> for keyboard shortcuts.
        </Text>
      </div>
      <GettingStartedPanel />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Panel title="What is running">
          <Stack gap="xs">
            <Group gap="xs">
              <Text size="sm" fw={500}>
                Loam server
              </Text>
              {health.status ? <StatusBadge status={health.status} /> : <Text size="sm">checking…</Text>}
              {health.checks && <Text size="xs">{Object.entries(health.checks).map(([k, v]) => `${k}: ${v}`).join(', ')}</Text>}
            </Group>
            <Suspense fallback={<Text size="sm">Loading chart…</Text>}>
              <TimeSeriesChart label="Health check round trip" data={health.points} series={[{ name: 'ms', label: 'Round trip', color: 'teal.7' }]} unit=" ms" height={140} />
            </Suspense>
            <Text size="sm">
              <Anchor component={Link} to="/users">
                {count(users.data?.Users.length, Boolean(users.data?.NextToken), 'user', 'users')}
              </Anchor>{' '}
              ·{' '}
              <Anchor component={Link} to="/policies">
                {count(policies.data?.Policies.length, Boolean(policies.data?.NextToken), 'policy', 'policies')}
              </Anchor>
            </Text>
            {coming.length > 0 && (
              <Text size="sm" c="dimmed">
                Still to come: {coming.map((c) => c.label.toLowerCase()).join(', ')}.
              </Text>
            )}
          </Stack>
        </Panel>
        <Panel title="Recent activity">
          {recent.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing yet besides the built-in admin. Start by{' '}
              <Anchor component={Link} to="/users">
                creating a user
              </Anchor>
              .
            </Text>
          ) : (
            <List spacing={4} size="sm" listStyleType="none" p={0}>
              {recent.map((r) => (
                <List.Item key={r.to + r.at}>
                  <Anchor component={Link} to={r.to} size="sm">
                    {r.text}
                  </Anchor>{' '}
                  <Text span size="xs" c="dimmed" title={formatTime(r.at)}>
                    {timeAgo(r.at)}
                  </Text>
                </List.Item>
              ))}
            </List>
          )}
        </Panel>
      </SimpleGrid>
      <Panel title="This tab’s API calls">
        <LogViewer lines={lines} label="API calls made by this Studio tab" height={200} emptyText="No calls yet." />
      </Panel>
    </Stack>
  );
}

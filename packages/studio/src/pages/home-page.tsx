import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { activityLog } from '../api/client.js';
import { fetchHealth } from '../api/session.js';
import { loam } from '../api/client.js';
import { navigation } from '../app/navigation.js';
import { useNotifications } from '../app/notifications.js';
import { useSession } from '../app/session.js';
import { formatTime, timeAgo } from '../schema/format.js';
import { LogViewer } from '../patterns/log-viewer.js';
import { TimeSeriesChart } from '../patterns/time-series-chart.js';
import { StatusBadge } from '../patterns/status-badge.js';
import { GettingStartedPanel } from './getting-started-panel.js';
import { activitySources, inProgress, recentActivity, runningSources } from './home-activity.js';


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
  const sources = useMemo(() => activitySources(), []);
  // What is in progress is asked for by status: among the newest few of a kind, an older running job was missed.
  const running = useMemo(() => runningSources(), []);
  // One List call per kind, newest first, refreshed every 15 s: a refused or failed one leaves the others.
  const all = useQueries({
    queries: [...sources, ...running].map((src) => ({
      queryKey: [src.operation, 'home-activity', src.input],
      queryFn: ({ signal }: { signal: AbortSignal }) => loam.call(src.operation, src.input, { signal }),
      refetchInterval: 15_000,
      retry: false,
    })),
  });
  const answers = all.slice(0, sources.length);
  const recent = recentActivity(sources, answers.map((a) => a.data));
  const busy = inProgress([...sources, ...running], all.map((a) => a.data));
  const answerOf = (op: string) => answers[sources.findIndex((src) => src.operation === op)];
  const users = answerOf('ListUsers') as { data?: { Users: unknown[]; NextToken?: string } } | undefined;
  const policies = answerOf('ListPolicies') as { data?: { Policies: unknown[]; NextToken?: string } } | undefined;
  const entries = useSyncExternalStore(activityLog.subscribe, activityLog.snapshot);
  const lines = useMemo(
    () => entries.map((e) => ({ id: e.id, at: e.at, text: `${e.operation ?? e.method} ${e.status} ${e.ms} ms  ${e.method} ${e.path}`, level: e.status === 'failed' || (typeof e.status === 'number' && e.status >= 400) ? ('error' as const) : ('info' as const) })),
    [entries],
  );
  const loading = answers.every((a) => a.isPending);
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
            <TimeSeriesChart label="Health check round trip" data={health.points} series={[{ name: 'ms', label: 'Round trip', color: 'teal.7' }]} unit=" ms" height={140} />
            {!loading && (
              <Text size="sm">
                {busy.items.length === 0
                  ? 'No job or endpoint is in progress.'
                  : 'In progress: '}
                {busy.items.slice(0, 6).map((r, i) => (
                      <span key={`${r.kind} ${r.name}`}>
                        {i > 0 && ', '}
                        {r.kind}{' '}
                        <Anchor component={Link} to={r.to}>
                          {r.name}
                        </Anchor>{' '}
                        ({r.status})
                      </span>
                    ))}
                {busy.items.length > 6 && ` and ${busy.items.length - 6}${busy.more ? ' or more' : ' more'}`}
              </Text>
            )}
            <Text size="sm">
              <Anchor component={Link} to="/users">
                {count(users?.data?.Users.length, Boolean(users?.data?.NextToken), 'user', 'users')}
              </Anchor>{' '}
              ·{' '}
              <Anchor component={Link} to="/policies">
                {count(policies?.data?.Policies.length, Boolean(policies?.data?.NextToken), 'policy', 'policies')}
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
          {loading ? (
            <Text size="sm">Loading…</Text>
          ) : recent.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing yet besides the built-in admin. Follow the steps above, or start with a{' '}
              <Anchor component={Link} to="/training-jobs">
                training job
              </Anchor>
              .
            </Text>
          ) : (
            <Table verticalSpacing={4} horizontalSpacing="xs" aria-label="Recent activity">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {recent.map((r) => (
                  <Table.Tr key={`${r.kind} ${r.name}`}>
                    <Table.Td>
                      {/* A name breaks at its hyphens when the card is narrow, not after every few letters. */}
                      <Anchor component={Link} to={r.to} size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                        {r.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {r.kind} ·{' '}
                        <span title={formatTime(r.at)}>
                          {r.verb} {timeAgo(r.at)}
                        </span>
                      </Text>
                    </Table.Td>
                    <Table.Td>{r.status ? <StatusBadge status={r.status} /> : null}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Panel>
      </SimpleGrid>
      <Panel title="This tab’s API calls">
        <LogViewer lines={lines} label="API calls made by this Studio tab" height={200} emptyText="No calls yet." />
      </Panel>
    </Stack>
  );
}

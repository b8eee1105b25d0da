import { useState, type ReactNode } from 'react';
import { Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { formatCell, formatTime } from '../schema/format.js';
import { labelFor } from '../schema/labels.js';
import { LineageLink } from '../pages/lineage/lineage-link.js';
import { JsonView } from './json-view.js';
import { StatusBadge } from './status-badge.js';
import { TagsPanel } from './tags-panel.js';

export interface DetailSection {
  readonly title: string;
  readonly content: ReactNode;
  readonly actions?: ReactNode;
}

export interface ResourceDetailProps {
  /** The resource's name, shown as the page title. */
  readonly name: string;
  readonly kind: string;
  /** The described object (e.g. `GetUser`'s `User`). */
  readonly item: Readonly<Record<string, unknown>>;
  /** Members shown elsewhere on the page (documents, lists with their own section). */
  readonly summaryOmit?: readonly string[];
  readonly actions?: ReactNode;
  readonly sections?: readonly DetailSection[];
  /** Lineage links (job → model → endpoint); absent means none are recorded yet. */
  readonly lineage?: ReactNode;
  /** Shown under the title, before the summary: what needs attention first (a failure reason). */
  readonly banner?: ReactNode;
  /**
   * Whether the raw JSON starts folded: for pages whose sections already show every setting as fields
   * (it stays open where some settings are only in the JSON).
   */
  readonly jsonFolded?: boolean;
}

function SummaryValue({ k, v }: { k: string; v: unknown }) {
  if (/Status$/.test(k) && typeof v === 'string') return <StatusBadge status={v} />;
  // SageMaker's timestamps are epoch seconds in members named …Time, …Date or …At (a duration never reaches 1e9 s).
  if (/Date$|At$|Time$/.test(k) && typeof v === 'number' && v > 1e9) return <>{formatTime(v)}</>;
  return <>{formatCell(v)}</>;
}

/**
 * A resource page: summary of its scalar members, the page's own sections, tags (by its ARN),
 * lineage links, and the raw JSON the API returned (behind a toggle).
 */
export function ResourceDetail({ name, kind, item, summaryOmit = [], actions, sections = [], lineage, banner, jsonFolded = false }: ResourceDetailProps) {
  const [showJson, setShowJson] = useState(!jsonFolded);
  const summary = Object.entries(item).filter(([k, v]) => !summaryOmit.includes(k) && (v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => typeof x !== 'object'))));
  const arn = typeof item.Arn === 'string' ? item.Arn : undefined;
  const section = (title: string, content: ReactNode, extra?: ReactNode) => (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} key={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {extra}
      </Group>
      {content}
    </Card>
  );
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text size="sm" c="dimmed">
            {kind}
          </Text>
          <Title order={1} size="h2" style={{ wordBreak: 'break-all' }}>
            {name}
          </Title>
        </div>
        <Group gap="xs">{actions}</Group>
      </Group>
      {banner}
      {section(
        'Summary',
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing="xs" component="dl" style={{ margin: 0 }}>
          {summary.map(([k, v]) => (
            <div key={k}>
              <Text component="dt" size="xs" c="dimmed" fw={500}>
                {labelFor(k)}
              </Text>
              <Text component="dd" size="sm" m={0} style={{ wordBreak: 'break-all' }}>
                <SummaryValue k={k} v={v} />
              </Text>
            </div>
          ))}
        </SimpleGrid>,
      )}
      {sections.map((s) => section(s.title, s.content, s.actions))}
      {arn && section('Tags', <TagsPanel arn={arn} name={name} />)}
      {section(
        'Lineage',
        lineage ??
          (arn ? (
            <LineageLink arn={arn} />
          ) : (
          <Text size="sm" c="dimmed">
            No lineage links recorded for this {kind.toLowerCase()}. Links between datasets, jobs, models and endpoints appear here once those resources exist.
          </Text>
          )),
      )}
      {section(
        'JSON',
        showJson ? (
          <JsonView value={item} label={`${kind} as returned by the API`} />
        ) : (
          <Text size="sm" c="dimmed">
            The {kind.toLowerCase()} exactly as the API returned it.
          </Text>
        ),
        <Button size="compact-sm" variant="subtle" aria-expanded={showJson} onClick={() => setShowJson((x) => !x)}>
          {showJson ? 'Hide JSON' : 'Show JSON'}
        </Button>,
      )}
    </Stack>
  );
}

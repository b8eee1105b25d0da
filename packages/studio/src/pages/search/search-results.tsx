import { Link } from '@tanstack/react-router';
import { Anchor, Table, Text } from '@mantine/core';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatNumeric, formatTime } from '../../schema/format.js';
import { ComponentRunLink, ExperimentLink } from '../experiments/component-run-link.js';
import type { ComponentSummary } from '../experiments/component-runs.js';
import { valuesAt, type PropertyHint } from './search-properties.js';
import { nameOf, resourceViews, type SearchableResource } from './search-resources.js';

type Rec = Record<string, unknown>;

function shown(v: unknown, kind: PropertyHint['kind'] | undefined): string {
  if (kind === 'timestamp' && typeof v === 'number') return formatTime(v);
  if (typeof v === 'number' || (typeof v === 'string' && kind !== 'text' && kind !== 'choice')) return formatNumeric(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** A trial component's search record as ListTrialComponents summarizes one (what ComponentRunLink reads). */
function summaryOf(r: Rec): ComponentSummary {
  return {
    TrialComponentName: String(r.TrialComponentName ?? ''), TrialComponentArn: String(r.TrialComponentArn ?? ''), CreationTime: Number(r.CreationTime ?? 0), LastModifiedTime: Number(r.LastModifiedTime ?? 0),
    ...(typeof r.DisplayName === 'string' ? { DisplayName: r.DisplayName } : {}),
    ...(typeof r.StartTime === 'number' ? { StartTime: r.StartTime } : {}),
    ...(r.Source ? { TrialComponentSource: r.Source as NonNullable<ComponentSummary['TrialComponentSource']> } : {}),
  };
}

/** A result's name, linked to its Studio page: a job, endpoint, model or registry group; an experiment by its ID; a trial component's run. */
function NameCell({ resource, record }: { resource: SearchableResource; record: Rec }) {
  const view = resourceViews[resource];
  const name = nameOf(resource, record);
  const label = view.labelOf?.(name, record) ?? name;
  if (view.pathOf) {
    return (
      <Anchor component={Link} to={view.pathOf(name, record)} fw={500}>
        {label}
      </Anchor>
    );
  }
  if (resource === 'Experiment') return <ExperimentLink name={name} />;
  if (resource === 'ExperimentTrial') {
    return (
      <>
        {name}
        <Text size="xs" c="dimmed">
          in <ExperimentLink name={String(record.ExperimentName ?? '')} />
        </Text>
      </>
    );
  }
  // A trial component: the run it is; a training job's is in the experiments of the trials holding it.
  return <ComponentWithRun record={record} />;
}

function ComponentWithRun({ record }: { record: Rec }) {
  const c = summaryOf(record);
  const parents = valuesAt(record, 'Parents.ExperimentName').map(String);
  return (
    <>
      <ComponentRunLink component={c} experimentIds={[]} label={c.TrialComponentName} parentExperiment={parents[0]} />
      {parents.length > 0 && (
        <Text size="xs" c="dimmed">
          in <ExperimentLink name={parents[0] as string} />
        </Text>
      )}
    </>
  );
}

interface SearchResultsProps {
  readonly resource: SearchableResource;
  readonly records: readonly Rec[];
  /** Properties the search filtered or sorted on: each gets a column with the value each result has. */
  readonly extra: readonly string[];
  readonly hints: ReadonlyMap<string, PropertyHint>;
}

/** Search results: name (linked), status, creation time, and the value of every property the search named. */
export function SearchResults({ resource, records, extra, hints }: SearchResultsProps) {
  const view = resourceViews[resource];
  const kindOf = (p: string) => hints.get(p)?.kind ?? (p.includes('.') ? hints.get(p.slice(0, p.lastIndexOf('.') + 1))?.kind : undefined);
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={`${view.label} found`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            {view.status && <Table.Th>Status</Table.Th>}
            <Table.Th>Created</Table.Th>
            {extra.map((p) => (
              <Table.Th key={p} style={{ fontFamily: 'var(--mantine-font-family-monospace)' }}>
                {p}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.map((r, i) => {
            const status = view.status ? valuesAt(r, view.status)[0] : undefined;
            const created = valuesAt(r, view.created)[0];
            return (
              <Table.Tr key={`${nameOf(resource, r)}-${i}`}>
                <Table.Td>
                  <NameCell resource={resource} record={r} />
                </Table.Td>
                {view.status && <Table.Td>{typeof status === 'string' ? <StatusBadge status={status} /> : '—'}</Table.Td>}
                <Table.Td>{typeof created === 'number' ? formatTime(created) : '—'}</Table.Td>
                {extra.map((p) => {
                  const vs = valuesAt(r, p);
                  return (
                    <Table.Td key={p} style={{ fontVariantNumeric: 'tabular-nums' }}>
                      {vs.length ? vs.map((v) => shown(v, kindOf(p))).join(', ') : '—'}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

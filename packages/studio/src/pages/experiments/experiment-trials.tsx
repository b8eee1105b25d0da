import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Accordion, Anchor, Button, Code, Group, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { jobShapes, type OutputOf, type operations } from '@loam/contracts';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { trainingJobPath } from '../jobs/job-paths.js';
import { ComponentRunLink } from './component-run-link.js';
import { firstPages, type Paged } from './list-pages.js';
import { jobNameOf, type ComponentSummary } from './component-runs.js';

type Trial = OutputOf<(typeof operations)['ListTrials']>['TrialSummaries'][number];

/** SageMaker's experiment names: an MLflow experiment named otherwise (spaces, underscores) can hold no trials. */
const sageMakerName = new RegExp(jobShapes.ExperimentEntityName.pattern ?? '^$');

/** Trials open at first: enough to see a small experiment whole without a request per trial of a large one. */
const OPEN_AT_FIRST = 3;

/** Trials and components read a page at a time: a large experiment's are read as far as the user asks, not whole. */
const TRIALS_PAGE = 50;
const COMPONENTS_PAGE = 25;

/** An experiment's SageMaker trials (ListTrials), each with its trial components and the runs they are. */
export function ExperimentTrials({ experimentName, experimentId }: { experimentName: string; experimentId: string }) {
  const named = sageMakerName.test(experimentName);
  const [pages, setPages] = useState(1);
  const trials = useQuery({
    queryKey: ['ListTrials', experimentName, pages],
    enabled: named,
    refetchInterval: 10_000,
    // The pages shown stay while the next one is read; another experiment's never stand in for this one's.
    placeholderData: (previous: Paged<Trial> | undefined, query) => (query?.queryKey[1] === experimentName ? previous : undefined),
    queryFn: ({ signal }) =>
      firstPages<Trial>(pages, async (token) => {
        const p = await loam.ListTrials({ ExperimentName: experimentName, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: TRIALS_PAGE, ...(token ? { NextToken: token } : {}) }, { signal });
        return { items: p.TrialSummaries, next: p.NextToken };
      }),
  });
  const [open, setOpen] = useState<string[] | undefined>();
  const rows = trials.data?.items ?? [];
  const opened = open ?? rows.slice(0, OPEN_AT_FIRST).map((t) => t.TrialName);
  return (
    <Stack gap="xs" component="section" aria-labelledby="trials-heading">
      <Title order={2} size="h4" id="trials-heading">
        Trials
      </Title>
      {trials.error && <ErrorAlert error={toUserFacingError(trials.error, { iamAction: 'sagemaker:ListTrials' })} />}
      {named && trials.isPending && <Skeleton height={60} aria-label="Loading trials" />}
      {(!named || (trials.data && rows.length === 0)) && (
        <Text size="sm" c="dimmed" role="status">
          No SageMaker trials in this experiment. A trial groups trial components (each one a run here): create one with boto3’s{' '}
          <Code>sagemaker.create_trial(TrialName=…, ExperimentName=…)</Code> and add runs with <Code>associate_trial_component</Code>, or start a training job with{' '}
          <Code>ExperimentConfig={'{'}'ExperimentName': …, 'TrialName': …{'}'}</Code>.{!named && ' This experiment’s name is not a SageMaker experiment name (letters, digits and hyphens), so it cannot hold trials.'}
        </Text>
      )}
      {rows.length > 0 && (
        <Text size="sm" c="dimmed">
          SageMaker’s view of this experiment: each trial groups trial components, each one an MLflow run. A component made with CreateTrialComponent keeps its run in the Default experiment; a training job’s is its run here.
        </Text>
      )}
      {rows.length > 0 && (
        <Accordion multiple variant="separated" value={opened} onChange={setOpen}>
          {rows.map((t) => (
            <Accordion.Item key={t.TrialName} value={t.TrialName}>
              <Accordion.Control>
                <Group gap="sm">
                  <Text fw={600}>{t.DisplayName ?? t.TrialName}</Text>
                  {t.DisplayName && t.DisplayName !== t.TrialName && (
                    <Text size="sm" c="dimmed">
                      {t.TrialName}
                    </Text>
                  )}
                  <Text size="sm" c="dimmed">
                    created {formatTime(t.CreationTime)}
                  </Text>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>{opened.includes(t.TrialName) && <TrialComponents trial={t.TrialName} experimentId={experimentId} />}</Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
      {trials.data?.more && (
        <Group>
          <Button variant="default" size="compact-sm" loading={trials.isFetching} onClick={() => setPages((n) => n + 1)}>
            Show more trials
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** One trial's components (ListTrialComponents TrialName=…): status, source, times and the run each is. */
function TrialComponents({ trial, experimentId }: { trial: string; experimentId: string }) {
  // A page of components at a time: each row looks its run up, so a trial of thousands is read as far as asked.
  const [pages, setPages] = useState(1);
  const q = useQuery({
    queryKey: ['ListTrialComponents', trial, pages],
    refetchInterval: 10_000,
    placeholderData: (previous: Paged<ComponentSummary> | undefined, query) => (query?.queryKey[1] === trial ? previous : undefined),
    queryFn: ({ signal }) =>
      firstPages<ComponentSummary>(pages, async (token) => {
        const p = await loam.ListTrialComponents({ TrialName: trial, SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: COMPONENTS_PAGE, ...(token ? { NextToken: token } : {}) }, { signal });
        return { items: p.TrialComponentSummaries, next: p.NextToken };
      }),
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:ListTrialComponents' })} />;
  if (!q.data) return <Skeleton height={40} aria-label={`Loading components of ${trial}`} />;
  const components = q.data.items;
  if (components.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No trial components in this trial yet: add one with <Code>associate_trial_component(TrialComponentName=…, TrialName='{trial}')</Code>.
      </Text>
    );
  }
  return (
    <>
    <Table.ScrollContainer minWidth={640}>
      <Table striped verticalSpacing="xs" aria-label={`Components of ${trial}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Trial component</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Source</Table.Th>
            <Table.Th>Started</Table.Th>
            <Table.Th>Ended</Table.Th>
            <Table.Th>Run</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {components.map((c) => (
            <Table.Tr key={c.TrialComponentName}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {c.DisplayName ?? c.TrialComponentName}
                </Text>
                {c.DisplayName && c.DisplayName !== c.TrialComponentName && (
                  <Text size="xs" c="dimmed">
                    {c.TrialComponentName}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{c.Status?.PrimaryStatus ? <StatusBadge status={c.Status.PrimaryStatus} /> : '—'}</Table.Td>
              <Table.Td>
                <ComponentSource component={c} />
              </Table.Td>
              <Table.Td>{c.StartTime === undefined ? '—' : formatTime(c.StartTime)}</Table.Td>
              <Table.Td>{c.EndTime === undefined ? '—' : formatTime(c.EndTime)}</Table.Td>
              <Table.Td>
                <ComponentRunLink component={c} experimentIds={[experimentId]} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
    {q.data.more && (
      <Group mt="xs">
        <Button variant="default" size="compact-sm" loading={q.isFetching} onClick={() => setPages((n) => n + 1)}>
          Show more components of {trial}
        </Button>
      </Group>
    )}
    </>
  );
}

/** Where a component came from: its training job, linked by the job's name as given (the ARN lower-cases it); else its source ARN, or the API. */
function ComponentSource({ component: c }: { component: ComponentSummary }) {
  const job = jobNameOf(c);
  if (job === undefined) return <>{c.TrialComponentSource?.SourceArn ?? 'API'}</>;
  return (
    <Anchor component={Link} to={trainingJobPath(job)}>
      Training job {job}
    </Anchor>
  );
}

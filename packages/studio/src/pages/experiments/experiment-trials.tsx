import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Accordion, Anchor, Code, Group, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { jobShapes, type OutputOf, type operations } from '@loam/contracts';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { trainingJobPath } from '../jobs/job-paths.js';
import { ComponentRunLink } from './component-run-link.js';
import { isTrainingJobComponent, jobNameOfArn, type ComponentSummary } from './component-runs.js';

type Trial = OutputOf<(typeof operations)['ListTrials']>['TrialSummaries'][number];

/** SageMaker's experiment names: an MLflow experiment named otherwise (spaces, underscores) can hold no trials. */
const sageMakerName = new RegExp(jobShapes.ExperimentEntityName.pattern ?? '^$');

/** Trials open at first: enough to see a small experiment whole without a request per trial of a large one. */
const OPEN_AT_FIRST = 3;

/** Every page of a SageMaker list (100 a page). */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next;
  } while (token);
  return out;
}

/** An experiment's SageMaker trials (ListTrials), each with its trial components and the runs they are. */
export function ExperimentTrials({ experimentName, experimentId }: { experimentName: string; experimentId: string }) {
  const named = sageMakerName.test(experimentName);
  const trials = useQuery({
    queryKey: ['ListTrials', experimentName],
    enabled: named,
    refetchInterval: 10_000,
    queryFn: ({ signal }) =>
      allPages<Trial>(async (token) => {
        const p = await loam.ListTrials({ ExperimentName: experimentName, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
        return { items: p.TrialSummaries, next: p.NextToken };
      }),
  });
  const [open, setOpen] = useState<string[] | undefined>();
  const rows = trials.data ?? [];
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
    </Stack>
  );
}

/** One trial's components (ListTrialComponents TrialName=…): status, source, times and the run each is. */
function TrialComponents({ trial, experimentId }: { trial: string; experimentId: string }) {
  const q = useQuery({
    queryKey: ['ListTrialComponents', trial],
    refetchInterval: 10_000,
    queryFn: ({ signal }) =>
      allPages<ComponentSummary>(async (token) => {
        const p = await loam.ListTrialComponents({ TrialName: trial, SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 100, ...(token ? { NextToken: token } : {}) }, { signal });
        return { items: p.TrialComponentSummaries, next: p.NextToken };
      }),
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:ListTrialComponents' })} />;
  if (!q.data) return <Skeleton height={40} aria-label={`Loading components of ${trial}`} />;
  if (q.data.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No trial components in this trial yet: add one with <Code>associate_trial_component(TrialComponentName=…, TrialName='{trial}')</Code>.
      </Text>
    );
  }
  return (
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
          {q.data.map((c) => (
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
                {isTrainingJobComponent(c) ? (
                  <Anchor component={Link} to={trainingJobPath(jobNameOfArn(c.TrialComponentSource!.SourceArn))}>
                    Training job {jobNameOfArn(c.TrialComponentSource!.SourceArn)}
                  </Anchor>
                ) : (
                  (c.TrialComponentSource?.SourceArn ?? 'API')
                )}
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
  );
}

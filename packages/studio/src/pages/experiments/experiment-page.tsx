import { useMemo, useRef, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Button, Group, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ColumnChooser } from './column-chooser.js';
import { ExperimentTrials } from './experiment-trials.js';
import { comparePath, type Run } from './mlflow-data.js';
import { attributeColumns, defaultColumns, keysOf, orderTerm, parseColumn } from './run-columns.js';
import { RunsTable, type RunSort } from './runs-table.js';

const pageSize = 50;

/** One experiment's runs: filter with MLflow's grammar, choose columns, sort on the server, pick runs to compare; then its SageMaker trials. */
export function ExperimentPage() {
  const { experimentId } = useParams({ strict: false }) as { experimentId: string };
  const exp = useQuery({ queryKey: ['GetMlflowExperiment', experimentId], queryFn: ({ signal }) => loam.GetMlflowExperiment({ ExperimentId: experimentId }, { signal }) });
  const [draft, setDraft] = useState('');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<RunSort | undefined>();
  const [chosen, setChosen] = useState<string[] | undefined>();
  const [selected, setSelected] = useState<string[]>([]);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const token = tokens[tokens.length - 1];
  const request = {
    ExperimentIds: [experimentId],
    MaxResults: pageSize,
    ...(filter ? { Filter: filter } : {}),
    OrderBy: sort ? [orderTerm(parseColumn(sort.id), sort.desc)] : ['attributes.start_time DESC'],
    ...(token ? { NextToken: token } : {}),
  };
  const runs = useQuery({
    queryKey: ['ListMlflowRuns', request],
    queryFn: ({ signal }) => loam.ListMlflowRuns(request, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
    retry: false,
  });
  // A filter the server refuses keeps the last good rows on screen; the message sits on the filter box.
  const lastGood = useRef(runs.data);
  if (runs.data && !runs.error) lastGood.current = runs.data;
  const data = runs.error ? lastGood.current : runs.data;
  const rows: Run[] = data?.Runs ?? [];
  const keys = useMemo(() => keysOf(rows), [rows]);
  const ids = chosen ?? defaultColumns(keys);
  const columns = [...attributeColumns, ...ids.map(parseColumn)];
  const filterError = runs.error ? toUserFacingError(runs.error) : undefined;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft.trim());
    setTokens([undefined]);
  };
  if (exp.error) return <ErrorAlert error={toUserFacingError(exp.error, { iamAction: 'sagemaker:GetMlflowExperiment' })} />;
  const name = exp.data?.Experiment.Name ?? experimentId;
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Text size="sm" c="dimmed">
            Experiment · ID {experimentId}
          </Text>
          <Title order={1} size="h2">
            {name}
          </Title>
        </div>
        <Button component={Link} to={comparePath(selected)} disabled={selected.length < 2} aria-disabled={selected.length < 2}>
          Compare {selected.length > 0 ? selected.length : ''} runs
        </Button>
      </Group>
      <form onSubmit={apply} role="search" aria-label="Filter runs">
        <Group align="flex-start" gap="xs">
          <TextInput
            label="Filter runs"
            description="MLflow’s grammar, e.g. metrics.rmse < 0.5 AND params.max_depth = '3' AND tags.team ILIKE 'ml%'"
            placeholder="metrics.validation:rmse < 1"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            error={filter && filterError ? filterError.detail : undefined}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            style={{ flex: 1 }}
          />
          <Button type="submit" mt={44} variant="default">
            Apply
          </Button>
        </Group>
      </form>
      <ColumnChooser keys={keys} value={ids} onChange={setChosen} />
      {runs.error && !filter && <ErrorAlert error={toUserFacingError(runs.error, { iamAction: 'sagemaker:ListMlflowRuns' })} />}
      {!data && runs.isPending && <Skeleton height={160} aria-label="Loading runs" />}
      {data && rows.length === 0 && (
        <Text size="sm" c="dimmed" role="status">
          {filter ? 'No runs match this filter.' : 'No runs in this experiment yet. Training jobs and MLflow clients add runs here.'}
        </Text>
      )}
      {rows.length > 0 && <RunsTable runs={rows} columns={columns} sort={sort} onSort={(s) => { setSort(s); setTokens([undefined]); }} selected={selected} onSelect={setSelected} caption={`Runs of ${name}`} />}
      {(tokens.length > 1 || runs.data?.NextToken) && (
        <Group justify="flex-end" gap="xs">
          <Text size="sm" c="dimmed">
            Page {tokens.length}
          </Text>
          <Button size="compact-sm" variant="default" disabled={tokens.length <= 1} onClick={() => setTokens((t) => t.slice(0, -1))}>
            Previous
          </Button>
          <Button size="compact-sm" variant="default" disabled={!runs.data?.NextToken} onClick={() => setTokens((t) => [...t, runs.data?.NextToken])}>
            Next
          </Button>
        </Group>
      )}
      {exp.data && <ExperimentTrials key={experimentId} experimentName={exp.data.Experiment.Name} experimentId={experimentId} />}
    </Stack>
  );
}

import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { Badge, Button, Card, Grid, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { loam } from '../../api/client.js';
import { bucketOf, ensureDefaultBucket } from '../../api/default-bucket.js';
import { useNotifications } from '../../app/notifications.js';
import { useDefaultBucket } from '../../app/session.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FlowGraph } from './flow-graph.js';
import { branchFrom, freshId, insertAfter, missingParams, removeNode, replaceNode, type FlowDefinition } from './flow-model.js';
import { FlowPreview } from './flow-preview.js';
import { FlowRuns } from './flow-runs.js';
import { NodePanel } from './node-panel.js';
import { ScriptButton } from './script-button.js';

type Draft = { text: string; error?: string };

/** The visual flow editor: graph, side panel of the selected node, live preview, save, run and history. */
export function FlowEditorPage() {
  const { flowName } = useParams({ strict: false }) as { flowName: string };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const defaultBucket = useDefaultBucket();
  const flow = useQuery({ queryKey: ['DescribeFlow', flowName], queryFn: ({ signal }) => loam.DescribeFlow({ FlowName: flowName }, { signal }) });
  const catalogue = useQuery({ queryKey: ['ListFlowTransforms'], queryFn: ({ signal }) => loam.ListFlowTransforms({}, { signal }), staleTime: Infinity });
  const [def, setDef] = useState<FlowDefinition | undefined>();
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState<'save' | 'run' | undefined>();
  const [debounced] = useDebouncedValue(def, 400);

  useEffect(() => {
    if (flow.data && version === 0) {
      setDef(flow.data.Definition);
      setVersion(flow.data.Version);
      setSelected(flow.data.Definition.nodes[flow.data.Definition.nodes.length - 1]?.id);
    }
  }, [flow.data, version]);

  const node = def?.nodes.find((n) => n.id === selected);
  const inputId = node?.inputs?.[0];
  const inputCols = useQuery({
    queryKey: ['PreviewFlow', 'columns', debounced, inputId],
    queryFn: ({ signal }) => loam.PreviewFlow({ Definition: debounced!, NodeId: inputId!, Limit: 1 }, { signal }),
    // The debounced flow lags the edits: ask only once it holds the input (else the server refuses an unknown node).
    enabled: !!inputId && !!debounced?.nodes.some((n) => n.id === inputId),
    retry: false,
    staleTime: 30_000,
  });

  if (flow.error) return <ErrorAlert error={toUserFacingError(flow.error, { iamAction: 'sagemaker:DescribeFlow' })} />;
  if (!def || !catalogue.data) return <Skeleton height={300} aria-label="Loading flow" />;
  const waiting = missingParams(debounced?.nodes.find((n) => n.id === selected), catalogue.data.Transforms);
  const dirty = JSON.stringify(def) !== JSON.stringify(flow.data?.Definition);
  const edit = (next: FlowDefinition) => setDef(next);
  const select = (id: string) => {
    setSelected(id);
    setDrafts({});
  };

  const save = async (): Promise<number | undefined> => {
    setFailure(undefined);
    setBusy('save');
    try {
      const r = await loam.UpdateFlow({ FlowName: flowName, Definition: def, ExpectedVersion: version });
      setVersion(r.Version);
      qc.setQueryData(['DescribeFlow', flowName], { ...flow.data!, Definition: def, Version: r.Version, LatestVersion: r.Version });
      notify({ title: `Flow ${flowName} saved as version ${r.Version}`, tone: 'success' });
      return r.Version;
    } catch (e) {
      setFailure(toUserFacingError(e, { iamAction: 'sagemaker:UpdateFlow' }));
      return undefined;
    } finally {
      setBusy(undefined);
    }
  };
  const run = async () => {
    const v = dirty ? await save() : version;
    if (v === undefined) return;
    setBusy('run');
    try {
      // A destination in Studio's default bucket: created now, as Data Wrangler's default location is.
      // Any other missing bucket is refused by StartFlowRun, naming the destination.
      if (def?.nodes.some((n) => n.type === 'destination' && bucketOf(n.output?.s3Uri) === defaultBucket)) {
        try {
          await ensureDefaultBucket(defaultBucket);
        } catch (e) {
          return setFailure({ title: 'Default bucket unavailable', detail: (e as Error).message, fields: {}, action: '', code: 'DefaultBucketUnavailable' });
        }
      }
      const r = await loam.StartFlowRun({ FlowName: flowName, Version: v });
      void qc.invalidateQueries({ queryKey: ['ListFlowRuns', flowName] });
      notify({ title: `Run of ${flowName} ${r.Status === 'Completed' ? 'completed' : r.Status === 'Failed' ? 'failed' : 'started'}`, ...(r.FailureReason ? { message: r.FailureReason } : {}), tone: r.Status === 'Failed' ? 'error' : 'success' });
    } catch (e) {
      setFailure(toUserFacingError(e, { iamAction: 'sagemaker:StartFlowRun' }));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text size="sm" c="dimmed">
            Data flow
          </Text>
          <Title order={1} size="h2">
            {flowName}
          </Title>
          <Group gap="xs">
            <Text size="sm" c="dimmed">
              Version {version} · {def.nodes.length} nodes
            </Text>
            {dirty && (
              <Badge color="yellow" variant="light" tt="none">
                Unsaved changes
              </Badge>
            )}
          </Group>
        </div>
        <Group gap="xs">
          <Button
            variant="default"
            onClick={() => {
              const id = freshId(def, 'src');
              const first = def.nodes.find((n) => n.type === 'source')?.dataset?.name ?? '';
              edit({ ...def, nodes: [...def.nodes, { id, type: 'source', dataset: { name: first } }] });
              select(id);
            }}
          >
            Add source
          </Button>
          <ScriptButton flowName={flowName} version={version} disabled={dirty} />
          <Button variant="default" onClick={() => void save()} loading={busy === 'save'} disabled={!dirty}>
            Save
          </Button>
          <Button onClick={() => void run()} loading={busy === 'run'} disabled={!def.nodes.some((n) => n.type === 'destination')}>
            Run flow
          </Button>
          <ConfirmButton
            label="Delete flow"
            title={`Delete flow ${flowName}?`}
            message={`Every version of ${flowName} will be deleted. Its runs and their outputs stay.`}
            iamAction="sagemaker:DeleteFlow"
            onConfirm={async () => {
              await loam.DeleteFlow({ FlowName: flowName });
              notify({ title: `Flow ${flowName} deleted`, tone: 'success' });
              void navigate({ to: '/flows' });
            }}
          />
        </Group>
      </Group>
      {failure && <ErrorAlert error={failure} onClose={() => setFailure(undefined)} />}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder radius="md" padding="sm" style={{ height: '100%' }}>
            <FlowGraph def={def} selected={selected} onSelect={select} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder radius="md" padding="md">
            {node ? (
              <NodePanel
                key={node.id}
                node={node}
                others={def.nodes}
                catalogue={catalogue.data.Transforms}
                inputColumns={(inputCols.data?.Columns ?? []).map((c) => c.Name)}
                onChange={(n) => edit(replaceNode(def, n))}
                onRemove={() => {
                  edit(removeNode(def, node.id));
                  select(node.inputs?.[0] ?? def.nodes[0]!.id);
                }}
                onAddStep={(t, placement) => {
                  const id = freshId(def, t);
                  const step = { id, type: 'transform' as const, transform: t, params: {} };
                  edit(placement === 'branch' ? branchFrom(def, node.id, step) : insertAfter(def, node.id, step));
                  select(id);
                }}
                onAddDestination={() => {
                  const id = freshId(def, 'out');
                  edit({ ...def, nodes: [...def.nodes, { id, type: 'destination', inputs: [node.id], output: { s3Uri: `s3://${defaultBucket}/data-wrangler/${flowName}/${id}/`, format: 'parquet' } }] });
                  select(id);
                }}
                drafts={drafts}
                setDraft={(name, d) => setDrafts((xs) => {
                  const next = { ...xs };
                  if (d) next[name] = d;
                  else delete next[name];
                  return next;
                })}
              />
            ) : (
              <Text size="sm" c="dimmed">
                Select a node in the graph to edit it.
              </Text>
            )}
          </Card>
        </Grid.Col>
      </Grid>
      <Card withBorder radius="md" padding="md" component="section" aria-label="Preview">
        <Title order={2} size="h4" mb="xs">
          Preview
        </Title>
        {!selected || !debounced ? (
          <Text size="sm" c="dimmed">Select a node.</Text>
        ) : !debounced.nodes.some((n) => n.id === selected) ? (
          // A node just added: the debounced flow catches up within 400 ms; previewing it before would be refused.
          <Skeleton height={160} aria-label="Computing preview" />
        ) : waiting.length > 0 ? (
          <Text size="sm" c="dimmed" role="status">
            Fill in {waiting.join(', ')} to preview step {selected}.
          </Text>
        ) : (
          <FlowPreview def={debounced} nodeId={selected} />
        )}
      </Card>
      <Card withBorder radius="md" padding="md" component="section" aria-label="Run history">
        <Title order={2} size="h4" mb="xs">
          Run history
        </Title>
        <FlowRuns flowName={flowName} />
      </Card>
    </Stack>
  );
}

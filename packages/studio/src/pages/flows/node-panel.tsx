import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Checkbox, Divider, Group, NativeSelect, Radio, Stack, Text, TextInput, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { titleOf, type FlowNode, type TransformInfo } from './flow-model.js';
import { TransformForm } from './transform-form.js';

type Draft = { text: string; error?: string };

/** Where a new step goes when the node already feeds others: between them (`insert`) or on a new branch. */
export type Placement = 'insert' | 'branch';

export interface NodePanelProps {
  readonly node: FlowNode;
  /** Nodes a two-input transform (join, concatenate) may take as its second input. */
  readonly others: readonly FlowNode[];
  readonly catalogue: readonly TransformInfo[];
  /** Column names of the node's input (from its preview), offered in column fields. */
  readonly inputColumns: readonly string[];
  readonly onChange: (n: FlowNode) => void;
  readonly onRemove: () => void;
  /** `branch`: the step reads this node beside what already reads it; otherwise it is inserted before them. */
  readonly onAddStep: (transform: string, placement: Placement) => void;
  readonly onAddDestination: () => void;
  readonly drafts: Readonly<Record<string, Draft>>;
  readonly setDraft: (name: string, d: Draft | undefined) => void;
}

function SourceFields({ node, onChange }: { node: FlowNode; onChange: (n: FlowNode) => void }) {
  const q = useQuery({ queryKey: ['ListDatasets', { MaxResults: 100 }], queryFn: ({ signal }) => loam.ListDatasets({ MaxResults: 100 }, { signal }) });
  const names = (q.data?.DatasetSummaries ?? []).map((d) => d.DatasetName);
  const cur = node.dataset?.name ?? '';
  return (
    <Stack gap="xs">
      <NativeSelect label="Dataset" value={cur} data={[...(names.includes(cur) ? [] : [cur]), ...names]} onChange={(e) => onChange({ ...node, dataset: { ...node.dataset, name: e.currentTarget.value } })} />
      <TextInput
        label="Version (optional)"
        description="Empty: the latest version at run time."
        value={node.dataset?.version === undefined ? '' : String(node.dataset.version)}
        onChange={(e) => {
          const v = Number(e.currentTarget.value);
          const { version: _, ...rest } = node.dataset ?? { name: cur };
          onChange({ ...node, dataset: Number.isInteger(v) && v >= 1 ? { ...rest, version: v } : rest });
        }}
      />
    </Stack>
  );
}

function DestinationFields({ node, onChange }: { node: FlowNode; onChange: (n: FlowNode) => void }) {
  const out = node.output ?? {};
  const uri = out.s3Uri ?? '';
  return (
    <Stack gap="xs">
      <TextInput label="Output s3:// URI" description="A key, or a prefix ending in / (writes part-0.<format>)." value={uri} error={uri && !/^s3:\/\/[^/]+\/.*$/.test(uri) ? 'Enter s3://bucket/key.' : undefined} onChange={(e) => onChange({ ...node, output: { ...out, s3Uri: e.currentTarget.value } })} />
      <NativeSelect label="Format" value={out.format ?? 'parquet'} data={['parquet', 'csv']} onChange={(e) => onChange({ ...node, output: { ...out, format: e.currentTarget.value as 'csv' } })} />
      {out.format === 'csv' && (
        <Checkbox label="Header row" description="Built-in algorithms want none (label first, no header)." checked={out.header !== false} onChange={(e) => onChange({ ...node, output: { ...out, header: e.currentTarget.checked } })} />
      )}
    </Stack>
  );
}

/** The side panel of the selected node: its form, removing it, and adding a step after it. */
export function NodePanel({ node, others, catalogue, inputColumns, onChange, onRemove, onAddStep, onAddDestination, drafts, setDraft }: NodePanelProps) {
  const [pick, setPick] = useState('');
  const [placement, setPlacement] = useState<Placement>('insert');
  const next = others.filter((o) => o.inputs?.includes(node.id));
  const info = catalogue.find((t) => t.Name === node.transform);
  const groups = [...new Set(catalogue.map((t) => t.Group))].map((g) => ({ group: g, items: catalogue.filter((t) => t.Group === g).map((t) => ({ value: t.Name, label: t.Name.replace(/_/g, ' ') })) })).filter((g) => g.items.length);
  return (
    <Stack gap="sm" component="section" aria-label={`Node ${node.id}`}>
      <div>
        <Group gap={6}>
          <Badge size="sm" variant="light" tt="none">
            {node.type}
          </Badge>
          <Text size="xs" c="dimmed">
            id {node.id}
          </Text>
        </Group>
        <Title order={2} size="h4">
          {titleOf(node)}
        </Title>
        {info && (
          <Text size="sm" c="dimmed">
            {info.Group}: {info.Summary}
          </Text>
        )}
      </div>
      {node.type === 'source' && <SourceFields node={node} onChange={onChange} />}
      {node.type === 'destination' && <DestinationFields node={node} onChange={onChange} />}
      {node.type === 'transform' && info && info.Inputs > 1 && (
        <NativeSelect
          label="Second input"
          description="The right side of a join, or the rows appended by concatenate."
          value={node.inputs?.[1] ?? ''}
          error={node.inputs?.[1] ? undefined : 'Choose the second input.'}
          data={[{ value: '', label: 'Choose a node…' }, ...others.filter((o) => o.type !== 'destination' && o.id !== node.id && o.id !== node.inputs?.[0]).map((o) => ({ value: o.id, label: `${o.id}: ${titleOf(o)}` }))]}
          onChange={(e) => onChange({ ...node, inputs: [node.inputs?.[0] ?? '', e.currentTarget.value].filter(Boolean) })}
        />
      )}
      {node.type === 'transform' && info && (
        <TransformForm schema={info.Parameters as object} params={node.params ?? {}} columns={inputColumns} onChange={(params) => onChange({ ...node, params })} drafts={drafts} setDraft={setDraft} />
      )}
      {node.type !== 'source' && (
        <Group>
          <Button variant="light" color="red" size="xs" onClick={onRemove}>
            Remove {node.type === 'transform' ? 'step' : 'destination'}
          </Button>
        </Group>
      )}
      {node.type !== 'destination' && (
        <>
          <Divider label="After this node" labelPosition="left" />
          {next.length > 0 && (
            <Radio.Group label="Place the new step" value={placement} onChange={(v) => setPlacement(v as Placement)}>
              <Stack gap={4} mt={4}>
                <Radio value="insert" label={`Between ${node.id} and ${next.map((n) => n.id).join(', ')}`} />
                <Radio value="branch" label={`On a new branch from ${node.id} (${next.map((n) => n.id).join(', ')} keep reading it)`} />
              </Stack>
            </Radio.Group>
          )}
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <NativeSelect label="Transform" value={pick} data={[{ value: '', label: 'Choose a transform…' }, ...groups]} onChange={(e) => setPick(e.currentTarget.value)} style={{ flex: 1 }} />
            <Button
              onClick={() => {
                if (pick) onAddStep(pick, next.length > 0 ? placement : 'insert');
                setPick('');
              }}
              disabled={!pick}
            >
              Add step
            </Button>
          </Group>
          <Button variant="default" size="xs" onClick={onAddDestination}>
            Add destination
          </Button>
        </>
      )}
    </Stack>
  );
}

import type { Operations, OutputOf } from '@loam/contracts';

export type FlowDefinition = OutputOf<Operations['DescribeFlow']>['Definition'];
export type FlowNode = FlowDefinition['nodes'][number];
export type TransformInfo = OutputOf<Operations['ListFlowTransforms']>['Transforms'][number];

/** A node's place in the left-to-right layered drawing. */
export interface Placed {
  readonly node: FlowNode;
  readonly layer: number;
  readonly row: number;
}

/**
 * Layers for a left-to-right drawing: sources in layer 0, every other node one layer right of its
 * furthest input; rows in document order within a layer. Unknown inputs and cycles (refused by the
 * server anyway) are ignored rather than looping.
 */
export function layout(def: FlowDefinition): Placed[] {
  const byId = new Map(def.nodes.map((n) => [n.id, n]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id);
    if (!n || visiting.has(id)) return 0;
    visiting.add(id);
    const ins = (n.inputs ?? []).filter((i) => byId.has(i));
    const d = ins.length === 0 ? 0 : 1 + Math.max(...ins.map(depth));
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  return def.nodes.map((node) => {
    const l = depth(node.id);
    const row = rows.get(l) ?? 0;
    rows.set(l, row + 1);
    return { node, layer: l, row };
  });
}

/** `base`, `base-2`, `base-3`…: the first id not taken (ids are `[A-Za-z0-9_-]`). */
export function freshId(def: FlowDefinition, base: string): string {
  const clean = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56) || 'node';
  const taken = new Set(def.nodes.map((n) => n.id));
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

/** Inserts `node` after `after`: it reads `after`, and whatever read `after` now reads it. */
export function insertAfter(def: FlowDefinition, after: string, node: FlowNode): FlowDefinition {
  const nodes = def.nodes.map((n) => (n.inputs?.includes(after) ? { ...n, inputs: n.inputs.map((i) => (i === after ? node.id : i)) } : n));
  const at = nodes.findIndex((n) => n.id === after);
  nodes.splice(at + 1, 0, { ...node, inputs: [after, ...(node.inputs ?? []).slice(1)] });
  return { ...def, nodes };
}

/** Adds `node` as a new branch reading `from`: what already read `from` keeps reading it (a split into train and validation). */
export function branchFrom(def: FlowDefinition, from: string, node: FlowNode): FlowDefinition {
  const nodes = [...def.nodes];
  // After `from`'s last downstream node in document order, so the new branch is drawn below the existing one.
  let at = nodes.findIndex((n) => n.id === from);
  nodes.forEach((n, i) => {
    if (n.inputs?.includes(from)) at = Math.max(at, i);
  });
  nodes.splice(at + 1, 0, { ...node, inputs: [from, ...(node.inputs ?? []).slice(1)] });
  return { ...def, nodes };
}

/** Removes a node; its consumers read its first input instead (a chain stays connected). */
export function removeNode(def: FlowDefinition, id: string): FlowDefinition {
  const gone = def.nodes.find((n) => n.id === id);
  const upstream = gone?.inputs?.[0];
  const nodes = def.nodes
    .filter((n) => n.id !== id)
    .map((n) => (n.inputs?.includes(id) ? { ...n, inputs: upstream ? n.inputs.map((i) => (i === id ? upstream : i)) : n.inputs.filter((i) => i !== id) } : n));
  return { ...def, nodes };
}

export function replaceNode(def: FlowDefinition, node: FlowNode): FlowDefinition {
  return { ...def, nodes: def.nodes.map((n) => (n.id === node.id ? node : n)) };
}

/** What a node is called on the canvas. */
export function titleOf(n: FlowNode): string {
  if (n.label) return n.label;
  if (n.type === 'source') return n.dataset?.name ?? 'Source';
  if (n.type === 'destination') return n.output?.s3Uri ?? 'Destination';
  return (n.transform ?? 'transform').replace(/_/g, ' ');
}

/**
 * What a node is called on the canvas, where about 16 bold characters fit: a destination by the end of its URI
 * (`…/validation/validation.csv`), since every destination of a flow starts with the same `s3://bucket/`.
 */
export function canvasTitleOf(n: FlowNode, room = 16): string {
  const t = titleOf(n);
  if (n.type !== 'destination' || n.label || t.length <= room) return t;
  const parts = t.replace(/^s3:\/\/[^/]+\//, '').split('/').filter(Boolean);
  let tail = parts.pop() ?? t;
  // `…/` takes two of the characters.
  while (parts.length > 0 && 2 + tail.length + parts[parts.length - 1]!.length + 1 <= room) tail = `${parts.pop()}/${tail}`;
  return `…/${tail}${t.endsWith('/') ? '/' : ''}`;
}

/** Required params a transform node still lacks (previewing it would only be refused). */
export function missingParams(n: FlowNode | undefined, catalogue: readonly TransformInfo[]): string[] {
  if (!n || n.type !== 'transform') return [];
  const schema = catalogue.find((t) => t.Name === n.transform)?.Parameters as { required?: string[] } | undefined;
  const info = catalogue.find((t) => t.Name === n.transform);
  const have = n.inputs?.length ?? 0;
  const inputs = info && have < info.Inputs ? [have === 1 ? 'second input' : 'input'] : [];
  return [...inputs, ...(schema?.required ?? []).filter((k) => {
    const v = n.params?.[k];
    return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  })];
}

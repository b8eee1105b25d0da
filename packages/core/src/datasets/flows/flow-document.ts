import { ValidationError } from '../../kernel/errors.js';

/** A flow: a DAG of nodes, stored as a versioned JSON document (docs/wrangler-flow-format.md). */
export interface FlowDocument {
  readonly formatVersion: 1;
  readonly nodes: readonly FlowNode[];
}

export interface FlowNode {
  readonly id: string;
  readonly type: 'source' | 'transform' | 'destination';
  /** Ids of the nodes feeding this one, in order (joins and concatenations take two). */
  readonly inputs?: readonly string[];
  readonly transform?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly dataset?: { readonly name: string; readonly version?: number };
  readonly output?: { readonly s3Uri?: string; readonly format?: 'parquet' | 'csv'; readonly header?: boolean };
  readonly label?: string;
  readonly position?: { readonly x: number; readonly y: number };
}

function bad(path: string, message: string): ValidationError {
  return new ValidationError(`Flow definition: ${path}: ${message}`, [{ path: `/Definition/${path.replace(/\./g, '/')}`, message }]);
}

/**
 * Checks the graph: unique ids, sources without inputs and with a dataset, transforms and destinations
 * with existing inputs, no cycles. Returns the nodes in dependency order.
 * @throws ValidationException naming the node.
 */
export function orderNodes(doc: FlowDocument, arity: (transform: string) => number | undefined): FlowNode[] {
  const byId = new Map<string, FlowNode>();
  doc.nodes.forEach((n, i) => {
    if (byId.has(n.id)) throw bad(`nodes.${i}.id`, `duplicate node id '${n.id}'`);
    byId.set(n.id, n);
  });
  doc.nodes.forEach((n, i) => {
    const inputs = n.inputs ?? [];
    for (const id of inputs) if (!byId.has(id)) throw bad(`nodes.${i}.inputs`, `node '${n.id}' reads '${id}', which is not a node`);
    if (n.type === 'source') {
      if (!n.dataset) throw bad(`nodes.${i}.dataset`, `source '${n.id}' needs a dataset`);
      if (inputs.length > 0) throw bad(`nodes.${i}.inputs`, `source '${n.id}' takes no inputs`);
    } else if (n.type === 'transform') {
      const want = arity(n.transform ?? '');
      if (want === undefined) throw bad(`nodes.${i}.transform`, `node '${n.id}': unknown transform '${n.transform ?? ''}'`);
      if (inputs.length !== want) throw bad(`nodes.${i}.inputs`, `transform '${n.id}' (${n.transform}) takes ${want} input(s), got ${inputs.length}`);
    } else if (inputs.length !== 1) throw bad(`nodes.${i}.inputs`, `destination '${n.id}' takes 1 input, got ${inputs.length}`);
  });
  const out: FlowNode[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (n: FlowNode): void => {
    const s = state.get(n.id);
    if (s === 2) return;
    if (s === 1) throw bad('nodes', `cycle through node '${n.id}'`);
    state.set(n.id, 1);
    for (const id of n.inputs ?? []) visit(byId.get(id) as FlowNode);
    state.set(n.id, 2);
    out.push(n);
  };
  doc.nodes.forEach(visit);
  return out;
}

/** The node and everything upstream of it, in dependency order. */
export function upstreamOf(ordered: readonly FlowNode[], id: string): FlowNode[] {
  const byId = new Map(ordered.map((n) => [n.id, n]));
  const need = new Set<string>();
  const walk = (x: string): void => {
    if (need.has(x)) return;
    need.add(x);
    for (const i of byId.get(x)?.inputs ?? []) walk(i);
  };
  walk(id);
  return ordered.filter((n) => need.has(n.id));
}

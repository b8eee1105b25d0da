import { ValidationError } from '../../kernel/errors.js';
import { quoteIdent, quoteLiteral, type DataEngine, type FileSource } from '../../ports/data-engine.js';
import { orderNodes, upstreamOf, type FlowDocument, type FlowNode } from './flow-document.js';
import { transforms } from './transforms/registry.js';

/** One compiled node: a relation name and the `SELECT` defining it over earlier relations. */
export interface CompiledStep {
  readonly nodeId: string;
  readonly relation: string;
  readonly sql: string;
}

export interface CompiledFlow {
  readonly steps: readonly CompiledStep[];
  readonly nodes: readonly FlowNode[];
}

export interface CompileOptions {
  readonly engine: DataEngine;
  /** Engine sources by source node id (bound as `src_<id>`). */
  readonly sources: Readonly<Record<string, FileSource>>;
  /** Compile only this node and what it depends on. */
  readonly upTo?: string;
  readonly signal?: AbortSignal;
}

export const relationOf = (id: string): string => quoteIdent(`n_${id}`);
export const sourceNameOf = (id: string): string => `src_${id}`;

export function arity(name: string): number | undefined {
  return transforms.get(name)?.inputs;
}

/** `WITH … SELECT * FROM <relation>`: one statement over the bound sources. */
export function withQuery(steps: readonly CompiledStep[], relation: string, tail = `SELECT * FROM ${relation}`): string {
  if (steps.length === 0) return tail;
  return `WITH ${steps.map((s) => `${s.relation} AS (${s.sql})`).join(',\n')}\n${tail}`;
}

/**
 * Compiles a flow to DuckDB SQL, node by node in dependency order. Transforms that learn values
 * (one-hot categories) query the data they will run on — the preview sample or the full sources — so
 * the SQL holds literals and the exported script is self-contained.
 * @throws ValidationException naming the node for a bad graph, an unknown transform or bad params.
 */
export async function compileFlow(doc: FlowDocument, o: CompileOptions): Promise<CompiledFlow> {
  let nodes = orderNodes(doc, arity);
  if (o.upTo !== undefined) {
    if (!nodes.some((n) => n.id === o.upTo)) throw new ValidationError(`Flow has no node '${o.upTo}'.`, [{ path: '/NodeId', message: 'unknown node' }]);
    nodes = upstreamOf(nodes, o.upTo);
  }
  const steps: CompiledStep[] = [];
  for (const n of nodes) {
    const relation = relationOf(n.id);
    if (n.type === 'source') {
      steps.push({ nodeId: n.id, relation, sql: `SELECT * FROM ${quoteIdent(sourceNameOf(n.id))}` });
      continue;
    }
    const inputs = (n.inputs ?? []).map(relationOf);
    if (n.type === 'destination') {
      steps.push({ nodeId: n.id, relation, sql: `SELECT * FROM ${inputs[0]}` });
      continue;
    }
    const def = transforms.get(n.transform as string);
    if (!def) throw new ValidationError(`Flow node '${n.id}': unknown transform '${n.transform ?? ''}'.`);
    const before = [...steps];
    try {
      const sql = await def.compile({
        nodeId: n.id, inputs, params: n.params ?? {},
        fit: async (fitSql) => (await o.engine.query(withQuery(before, '', fitSql), o.sources, { limit: 10_000, ...(o.signal ? { signal: o.signal } : {}) })).rows,
      });
      steps.push({ nodeId: n.id, relation, sql });
    } catch (e) {
      if (e instanceof ValidationError) throw e;
      throw new ValidationError(`Flow node '${n.id}' (${n.transform}): ${(e as Error).message}`, [{ path: `/nodes/${n.id}`, message: (e as Error).message }]);
    }
  }
  return { steps, nodes };
}

/** The flow as a standalone DuckDB script: views for sources and steps, COPY for destinations. */
export function renderScript(flow: CompiledFlow, meta: { title: string; sourceUris: Readonly<Record<string, string>> }): string {
  const lines = [
    `-- ${meta.title}`,
    '-- Compiled by Loam to DuckDB SQL. Sources read s3:// URIs: run with the httpfs extension and S3',
    '-- credentials for your Loam endpoint, or replace the URIs with local copies of the Parquet files.',
    '',
  ];
  for (const n of flow.nodes) {
    if (n.type !== 'source') continue;
    lines.push(`CREATE OR REPLACE VIEW ${quoteIdent(sourceNameOf(n.id))} AS SELECT * FROM read_parquet(${quoteLiteral(meta.sourceUris[n.id] ?? '<path>')});`);
  }
  lines.push('');
  for (const s of flow.steps) {
    const n = flow.nodes.find((x) => x.id === s.nodeId);
    lines.push(`-- ${s.nodeId}${n?.transform ? ` (${n.transform})` : ` (${n?.type ?? ''})`}${n?.label ? `: ${n.label}` : ''}`);
    lines.push(`CREATE OR REPLACE VIEW ${s.relation} AS ${s.sql};`);
  }
  for (const n of flow.nodes) {
    if (n.type !== 'destination') continue;
    const fmt = n.output?.format === 'csv' ? `FORMAT csv, HEADER ${n.output.header === false ? 'false' : 'true'}` : 'FORMAT parquet';
    lines.push('', `COPY (SELECT * FROM ${relationOf(n.id)}) TO ${quoteLiteral(n.output?.s3Uri ?? `${n.id}.${n.output?.format ?? 'parquet'}`)} (${fmt});`);
  }
  return `${lines.join('\n')}\n`;
}

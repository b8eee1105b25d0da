import { ValidationError } from '../../kernel/errors.js';
import { quoteIdent, quoteLiteral, type DataEngine, type FileSource, type JsonCell } from '../../ports/data-engine.js';
import { orderNodes, upstreamOf, type FlowDocument, type FlowNode } from './flow-document.js';
import { transforms } from './transforms/registry.js';
import { expressionRefusal } from './transforms/transform.js';

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

/** A statistic a node asked for (`stat`), or a fit it needs now (`fitStats`): aggregates over `from`. */
interface StatGroup {
  readonly nodeId: string;
  readonly transform: string;
  /** Steps before the node (their SQL may hold placeholders of other pending statistics). */
  readonly before: readonly CompiledStep[];
  readonly from: string;
  readonly ids: number[];
  readonly exprs: string[];
}

/**
 * Statistics fitted at compile time. A transform asks for an aggregate over its input (`stat`) and
 * gets a placeholder to write into its SQL; the placeholders are fitted in batches and replaced by
 * typed literals. A batch is ONE statement: a cross join of one-row subqueries, one per node, each
 * reading only the columns it needs (so a Parquet source is scanned once per column, not once per
 * step). Each still-unfitted placeholder in it is a typed `error(…)` naming the subquery that reached
 * it: when the statement completes, no statistic of the batch depended on another one (DuckDB prunes
 * unused columns, and a value never evaluated cannot have changed a result); when a subquery reaches
 * one, that node waits for the next round. Types come first, from the same subqueries over no rows.
 */
class StatFitter {
  private readonly token = `__loam_stat_${Math.random().toString(36).slice(2, 10)}_`;
  private readonly pattern = new RegExp(`${this.token}(\\d+)__`, 'g');
  private readonly literals = new Map<number, string>();
  private readonly values = new Map<number, JsonCell>();
  private readonly types = new Map<number, string>();
  private pending: StatGroup[] = [];
  private next = 0;

  constructor(private readonly o: CompileOptions) {}

  /** Registers aggregates of one node; returns their ids. */
  add(g: Omit<StatGroup, 'ids' | 'exprs'>, exprs: readonly string[]): number[] {
    let group = this.pending.find((p) => p.nodeId === g.nodeId && p.from === g.from);
    if (!group) this.pending.push(group = { ...g, ids: [], exprs: [] });
    const ids = exprs.map(() => this.next++);
    group.ids.push(...ids);
    group.exprs.push(...exprs);
    return ids;
  }

  placeholder(id: number): string {
    return `${this.token}${id}__`;
  }

  value(id: number): JsonCell {
    return this.values.get(id) ?? null;
  }

  /**
   * SQL with fitted placeholders as literals and the others as typed `error(…)`s naming the group
   * (`consumer`, the index in the batch) that reached them.
   */
  render(sql: string, consumer = -1): string {
    return sql.replace(this.pattern, (_, id: string) => this.literals.get(Number(id))
      ?? `CAST(error('loam: group ${consumer} needs statistic ${id}') AS ${this.types.get(Number(id)) ?? 'DOUBLE'})`);
  }

  /** Fits every pending statistic. */
  async flush(): Promise<void> {
    const todo = this.pending;
    this.pending = [];
    for (const g of todo) await this.run([g], true);
    let round = todo;
    let deferred: StatGroup[] = [];
    while (round.length > 0) {
      try {
        await this.run(round, false);
        round = deferred;
        deferred = [];
      } catch (e) {
        if (round.length === 1) throw e;
        // A group needed a statistic of another in the batch: it waits for the next round. Any other
        // failure: fit the earliest group alone (it depends only on fitted ones) to name the culprit.
        const m = /loam: group (\d+) needs statistic/.exec(e instanceof Error ? e.message : '');
        const i = m ? Number(m[1]) : 0;
        if (m) deferred = todo.filter((g) => g === round[i] || deferred.includes(g));
        else await this.run(round.slice(0, 1), false);
        round = round.filter((_, j) => j !== i);
      }
    }
  }

  /**
   * One statement over the groups: their values, or with `probe` only their types (over no rows, so
   * nothing is read). Unfitted placeholders are typed `error(…)`s: typed, so the binder cannot fold
   * them away as NULLs, and a column keeps the type its literal will have.
   */
  private async run(groups: readonly StatGroup[], probe: boolean): Promise<void> {
    const parts = groups.map((g, i) => {
      const from = probe ? `(SELECT * FROM ${g.from} LIMIT 0) AS t` : g.from;
      const select = `SELECT ${g.exprs.map((e, j) => `${e} AS ${quoteIdent(`s${g.ids[j]}`)}`).join(', ')} FROM ${from}`;
      return `(${this.render(withQuery(g.before, '', select), i)}) AS ${quoteIdent(`g${i}`)}`;
    });
    const call = { limit: 1, ...(this.o.signal ? { signal: this.o.signal } : {}) };
    let r: Awaited<ReturnType<DataEngine['query']>>;
    try {
      r = await this.o.engine.query(`SELECT * FROM ${parts.join(', ')}`, this.o.sources, call);
    } catch (e) {
      if (groups.length > 1 || !(e instanceof ValidationError)) throw e;
      const g = groups[0] as StatGroup;
      throw new ValidationError(`Flow node '${g.nodeId}' (${g.transform}): ${e.message}`, [{ path: `/nodes/${g.nodeId}`, message: e.message }]);
    }
    const row = r.rows[0] ?? [];
    let k = 0;
    for (const g of groups) {
      for (const id of g.ids) {
        const type = r.columns[k]?.type ?? 'DOUBLE';
        if (probe) this.types.set(id, type);
        else {
          const v = row[k] ?? null;
          this.values.set(id, v);
          this.literals.set(id, typedLiteral(v, type));
        }
        k++;
      }
    }
  }
}

/**
 * A fitted value as SQL: `CAST('<text>' AS <type>)`. The text is parsed by DuckDB's own parser for
 * the type, so a double round-trips exactly (a bare `0.1` would be a DECIMAL first).
 */
export function typedLiteral(v: JsonCell, type: string): string {
  if (v === null) return `CAST(NULL AS ${type})`;
  return `CAST(${quoteLiteral(String(v))} AS ${type})`;
}

/**
 * Compiles a flow to DuckDB SQL, node by node in dependency order. Transforms that learn values
 * (means, deviations, quantiles, one-hot categories) query the data they will run on — the preview
 * sample or the full sources — so the SQL holds literals, the exported script is self-contained,
 * and the full run is one streaming pass (no window over the whole table). Independent statistics
 * are fitted together, in one statement (see `StatFitter`).
 * @throws ValidationException naming the node for a bad graph, an unknown transform or bad params.
 */
export async function compileFlow(doc: FlowDocument, o: CompileOptions): Promise<CompiledFlow> {
  let nodes = orderNodes(doc, arity);
  if (o.upTo !== undefined) {
    if (!nodes.some((n) => n.id === o.upTo)) throw new ValidationError(`Flow has no node '${o.upTo}'.`, [{ path: '/NodeId', message: 'unknown node' }]);
    nodes = upstreamOf(nodes, o.upTo);
  }
  const fitter = new StatFitter(o);
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
    const group = { nodeId: n.id, transform: def.name, before, from: inputs[0] as string };
    try {
      const sql = await def.compile({
        nodeId: n.id, inputs, params: n.params ?? {},
        stat: (aggregate) => fitter.placeholder(fitter.add(group, [aggregate])[0] as number),
        fitStats: async (aggregates, from) => {
          const ids = fitter.add(from === undefined ? group : { ...group, from }, aggregates);
          await fitter.flush();
          return ids.map((id) => fitter.value(id));
        },
        expressionProblem: (expression) => o.engine.expressionProblem(expression, o.signal ? { signal: o.signal } : {}),
      });
      steps.push({ nodeId: n.id, relation, sql });
    } catch (e) {
      if (e instanceof ValidationError) throw e;
      throw new ValidationError(`Flow node '${n.id}' (${n.transform}): ${(e as Error).message}`, [{ path: `/nodes/${n.id}`, message: (e as Error).message }]);
    }
  }
  await fitter.flush();
  return { steps: steps.map((s) => ({ ...s, sql: fitter.render(s.sql) })), nodes };
}

/**
 * Text for a `--` comment line: control characters (a line break would end the comment and start a
 * statement or a CLI dot command) become spaces. The schema refuses them in labels; flows stored
 * before it did may still hold them.
 */
function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/**
 * Checks every user-written expression of a flow (custom formulas, filters) with the engine, without
 * reading data: when a flow is stored or a run started, so a flow the compiler would refuse is a 400
 * then rather than a failed job later.
 * @throws ValidationException naming the node, the param and what was refused.
 */
export async function checkFlowExpressions(doc: FlowDocument, engine: DataEngine, signal?: AbortSignal): Promise<void> {
  for (const [i, n] of doc.nodes.entries()) {
    const def = n.type === 'transform' ? transforms.get(n.transform ?? '') : undefined;
    for (const name of def?.expressions ?? []) {
      const v = n.params?.[name];
      if (typeof v !== 'string' || v === '') continue; // compiling names a missing one
      const problem = await expressionRefusal(v, (e) => engine.expressionProblem(e, signal ? { signal } : {}));
      if (problem) throw new ValidationError(`Flow node '${n.id}': param '${name}' ${problem}`, [{ path: `/Definition/nodes/${i}/params/${name}`, message: problem }]);
    }
  }
}

/** The flow as a standalone DuckDB script: views for sources and steps, COPY for destinations. */
export function renderScript(flow: CompiledFlow, meta: { title: string; sourceUris: Readonly<Record<string, string>> }): string {
  const lines = [
    `-- ${commentText(meta.title)}`,
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
    lines.push(`-- ${commentText(`${s.nodeId}${n?.transform ? ` (${n.transform})` : ` (${n?.type ?? ''})`}${n?.label ? `: ${n.label}` : ''}`)}`);
    lines.push(`CREATE OR REPLACE VIEW ${s.relation} AS ${s.sql};`);
  }
  for (const n of flow.nodes) {
    if (n.type !== 'destination') continue;
    const fmt = n.output?.format === 'csv' ? `FORMAT csv, HEADER ${n.output.header === false ? 'false' : 'true'}` : 'FORMAT parquet';
    lines.push('', `COPY (SELECT * FROM ${relationOf(n.id)}) TO ${quoteLiteral(n.output?.s3Uri ?? `${n.id}.${n.output?.format ?? 'parquet'}`)} (${fmt});`);
  }
  return `${lines.join('\n')}\n`;
}

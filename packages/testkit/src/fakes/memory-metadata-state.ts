import { checkTaggedLimit, type LineageEdge, type LineageEdgeEnds, type LineageEdgeQuery, type LineageStore, type Tag, type TaggedRange, type TaggedResource, type TagStore } from '@loam/core';
import { compareText } from './memory-collection-query.js';

export interface Rec {
  readonly json: string;
  readonly version: number;
}

/**
 * All data, as immutable JSON strings in maps. A transaction forks it and copies a map only when it
 * first writes to it (copy-on-write); commit swaps the fork in, so a failed transaction leaves nothing.
 */
export class State {
  constructor(
    readonly rows: Map<string, Map<string, Rec>>,
    public tags: Map<string, Map<string, string>>,
    public edges: Map<string, LineageEdge>,
    private readonly owned = new Set<string>(['*tags', '*edges', ...rows.keys()]),
  ) {}

  fork(): State {
    return new State(new Map(this.rows), this.tags, this.edges, new Set());
  }

  table(name: string, write: boolean): Map<string, Rec> {
    const t = this.rows.get(name)!;
    if (!write || this.owned.has(name)) return t;
    const copy = new Map(t);
    this.rows.set(name, copy);
    this.owned.add(name);
    return copy;
  }

  writableTags(): Map<string, Map<string, string>> {
    if (!this.owned.has('*tags')) {
      this.tags = new Map([...this.tags].map(([arn, m]) => [arn, new Map(m)]));
      this.owned.add('*tags');
    }
    return this.tags;
  }

  writableEdges(): Map<string, LineageEdge> {
    if (!this.owned.has('*edges')) {
      this.edges = new Map(this.edges);
      this.owned.add('*edges');
    }
    return this.edges;
  }
}

/** Runs a function on the current state (queued at the root, direct inside a transaction). */
export type Runner = <R>(fn: (s: State) => R) => Promise<R>;

export class MemoryTags implements TagStore {
  constructor(private readonly run: Runner) {}
  put(arn: string, tags: readonly Tag[]): Promise<void> {
    return this.run((s) => {
      if (tags.length === 0) return;
      const all = s.writableTags();
      const m = all.get(arn) ?? new Map<string, string>();
      for (const t of tags) m.set(t.Key, t.Value);
      all.set(arn, m);
    });
  }
  list(arn: string): Promise<Tag[]> {
    return this.run((s) => sortedTags(s, arn));
  }
  remove(arn: string, keys: readonly string[]): Promise<void> {
    return this.run((s) => void keys.forEach((k) => s.writableTags().get(arn)?.delete(k)));
  }
  clear(arn: string): Promise<void> {
    return this.run((s) => void s.writableTags().delete(arn));
  }
  async tagged(key: string, values?: readonly string[], range: TaggedRange = {}): Promise<TaggedResource[]> {
    checkTaggedLimit(range.limit);
    const wanted = values && new Set(values);
    const { arnPrefix = '', after, limit } = range;
    const inRange = (arn: string) => arn.startsWith(arnPrefix) && (after === undefined || compareText(arn, after) > 0);
    return this.run((s) => [...s.tags]
      .flatMap(([ResourceArn, m]) => (inRange(ResourceArn) && m.has(key) && (!wanted || wanted.has(m.get(key) as string)) ? [{ ResourceArn, Value: m.get(key) as string }] : []))
      .sort((a, b) => compareText(a.ResourceArn, b.ResourceArn))
      .slice(0, limit));
  }
  listMany(arns: readonly string[]): Promise<Map<string, Tag[]>> {
    return this.run((s) => new Map(arns.map((a) => [a, sortedTags(s, a)])));
  }
}

function sortedTags(s: State, arn: string): Tag[] {
  return [...(s.tags.get(arn) ?? [])].sort((a, b) => compareText(a[0], b[0])).map(([Key, Value]) => ({ Key, Value }));
}

export class MemoryLineage implements LineageStore {
  constructor(private readonly run: Runner) {}
  add(edge: LineageEdge): Promise<void> {
    return this.run((s) => {
      const id = JSON.stringify([edge.sourceArn, edge.destinationArn]);
      if (!s.edges.has(id)) s.writableEdges().set(id, { sourceArn: edge.sourceArn, destinationArn: edge.destinationArn, associationType: edge.associationType, createdAt: edge.createdAt, ...(edge.legacy ? { legacy: true as const } : {}) });
    });
  }
  edges(arn: string, direction: 'downstream' | 'upstream'): Promise<LineageEdge[]> {
    const [near, far] = direction === 'downstream' ? (['sourceArn', 'destinationArn'] as const) : (['destinationArn', 'sourceArn'] as const);
    return this.run((s) =>
      [...s.edges.values()].filter((e) => e[near] === arn).sort((a, b) => a.createdAt - b.createdAt || compareText(a[far], b[far])).map((e) => ({ ...e })),
    );
  }
  remove(sourceArn: string, destinationArn: string): Promise<void> {
    return this.run((s) => void s.writableEdges().delete(JSON.stringify([sourceArn, destinationArn])));
  }
  moveEnd(arn: string, to: string, only?: readonly LineageEdgeEnds[]): Promise<void> {
    const keys = only && new Set(only.map((e) => JSON.stringify([e.sourceArn, e.destinationArn])));
    return this.run((s) => {
      const moving = [...s.edges].filter(([id, e]) => (e.sourceArn === arn || e.destinationArn === arn) && (keys === undefined || keys.has(id)));
      if (moving.length === 0) return;
      const edges = s.writableEdges();
      for (const [id] of moving) edges.delete(id);
      for (const [, e] of moving) {
        const moved = { ...e, sourceArn: e.sourceArn === arn ? to : e.sourceArn, destinationArn: e.destinationArn === arn ? to : e.destinationArn };
        const id = JSON.stringify([moved.sourceArn, moved.destinationArn]);
        if (!edges.has(id)) edges.set(id, moved);
      }
    });
  }
  list(q: LineageEdgeQuery = {}): Promise<LineageEdge[]> {
    const sign = q.order === 'Descending' ? -1 : 1;
    type Key = Pick<LineageEdge, 'createdAt' | 'sourceArn' | 'destinationArn'>;
    const bySource = (a: Key, b: Key) => compareText(a.sourceArn, b.sourceArn) || compareText(a.destinationArn, b.destinationArn);
    const cmp = (a: Key, b: Key) => sign * (q.sortBy === 'sourceArn' ? bySource(a, b)
      : q.sortBy === 'destinationArn' ? compareText(a.destinationArn, b.destinationArn) || compareText(a.sourceArn, b.sourceArn)
      : a.createdAt - b.createdAt || bySource(a, b));
    return this.run((s) => {
      const out = [...s.edges.values()]
        .filter((e) => (q.associationType === undefined || e.associationType === q.associationType) && (q.createdAfter === undefined || e.createdAt >= q.createdAfter) && (q.createdBefore === undefined || e.createdAt <= q.createdBefore))
        .filter((e) => q.after === undefined || cmp(e, q.after) > 0)
        .sort(cmp)
        .map((e) => ({ ...e }));
      return q.limit === undefined ? out : out.slice(0, q.limit);
    });
  }
}

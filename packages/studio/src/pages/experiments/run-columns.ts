import type { Run } from './mlflow-data.js';

export type ColumnFamily = 'metrics' | 'params' | 'tags';

/** A run-table column: an attribute, or a metric/param/tag key (`metrics.rmse`). */
export interface RunColumn {
  readonly id: string;
  readonly family: ColumnFamily | 'attributes';
  readonly key: string;
  readonly label: string;
}

/** The attributes every run has, in MLflow's `attributes.<key>` names for ordering. */
export const attributeColumns: readonly RunColumn[] = [
  { id: 'attributes.status', family: 'attributes', key: 'status', label: 'Status' },
  { id: 'attributes.start_time', family: 'attributes', key: 'start_time', label: 'Started' },
];

const quoteKey = (k: string) => (/^[A-Za-z_][\w]*$/.test(k) ? k : `\`${k}\``);

/** The keys seen in these runs, per family, sorted; system tags (`mlflow.*`, `loam.*`) last. */
export function keysOf(runs: readonly Run[]): Record<ColumnFamily, string[]> {
  const sets = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  for (const r of runs) {
    for (const m of r.Metrics) sets.metrics.add(m.Key);
    for (const p of r.Params) sets.params.add(p.Key);
    for (const t of r.Tags) sets.tags.add(t.Key);
  }
  const system = (k: string) => (/^(mlflow|loam)\./.test(k) ? 1 : 0);
  const sorted = (s: Set<string>) => [...s].sort((a, b) => system(a) - system(b) || a.localeCompare(b));
  return { metrics: sorted(sets.metrics), params: sorted(sets.params), tags: sorted(sets.tags) };
}

export function columnOf(family: ColumnFamily, key: string): RunColumn {
  return { id: `${family}.${key}`, family, key, label: key };
}

/** Columns shown before the user chooses: every metric and param (at most 12), no tags. */
export function defaultColumns(keys: Record<ColumnFamily, string[]>): string[] {
  return [...keys.metrics.map((k) => `metrics.${k}`), ...keys.params.map((k) => `params.${k}`)].slice(0, 12);
}

/** A run's value in a column, as a number where it is one (for charts and alignment) or a string. */
export function valueOf(run: Run, c: RunColumn): string | number | undefined {
  switch (c.family) {
    case 'metrics': {
      const v = run.Metrics.find((m) => m.Key === c.key)?.Value;
      return v;
    }
    case 'params':
      return run.Params.find((p) => p.Key === c.key)?.Value;
    case 'tags':
      return run.Tags.find((t) => t.Key === c.key)?.Value;
    default:
      return c.key === 'status' ? run.Info.Status : c.key === 'start_time' ? run.Info.StartTime : undefined;
  }
}

/** The MLflow `order_by` term for a column (`metrics.\`val loss\` DESC`). */
export function orderTerm(c: RunColumn, desc: boolean): string {
  return `${c.family}.${quoteKey(c.key)} ${desc ? 'DESC' : 'ASC'}`;
}

/** A column id back to its column (ids are `family.key`; keys may contain dots). */
export function parseColumn(id: string): RunColumn {
  const attr = attributeColumns.find((a) => a.id === id);
  if (attr) return attr;
  const dot = id.indexOf('.');
  return columnOf(id.slice(0, dot) as ColumnFamily, id.slice(dot + 1));
}

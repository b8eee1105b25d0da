import { createHash } from 'node:crypto';
import { artifactLocationKey, type DatasetInputRecord, type ExperimentRecord, type KeyValue, type MetricPoint, type RunInfoRecord } from '@loam/core';

/* Row shapes of the experiment tables and their conversion to the port's records. */

/**
 * What `mlflow_experiments.artifact_location_hash` holds and is searched by: the SHA-256 (hex) of the
 * location's `artifactLocationKey`, so the index entry has one short size whatever the location's length
 * (a PostgreSQL B-tree entry cannot exceed about 2.7 KB). The rows found are compared in full by the caller.
 */
export function artifactKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The hash column's value for a location: null for a location Loam does not serve. */
export function artifactLocationHash(location: string): string | null {
  const key = artifactLocationKey(location);
  return key === undefined ? null : artifactKeyHash(key);
}

/** How many code points of a location's key `artifact_location_head` keeps: at most 1 KB, a B-tree entry PostgreSQL takes. */
const HEAD_CODE_POINTS = 256;

/**
 * What `mlflow_experiments.artifact_location_head` holds and is range-searched by: the first 256 code points
 * of an `artifactLocationKey` (or of a prefix of one). Text columns compare bytewise (UTF-8, so by code
 * point), so the keys starting with a prefix have heads from the prefix's head up to `headSuccessor` of it;
 * the rows found are compared in full by the caller.
 */
export function artifactKeyHead(key: string): string {
  return Array.from(key).slice(0, HEAD_CODE_POINTS).join('');
}

/** The head column's value for a location: null for a location Loam does not serve. */
export function artifactLocationHead(location: string): string | null {
  const key = artifactLocationKey(location);
  return key === undefined ? null : artifactKeyHead(key);
}

/** The least string above every string starting with `head` (its last code point below U+10FFFF raised by one); undefined when none is. */
export function headSuccessor(head: string): string | undefined {
  const points = Array.from(head, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last >= 0x10ffff) continue;
    // The surrogates are not code points a string can hold: after U+D7FF comes U+E000.
    points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
    return String.fromCodePoint(...points);
  }
  return undefined;
}

export interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface RunRow {
  run_id: string;
  run_key: number;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  deleted_time: number | null;
}

export interface MetricRow {
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

export function toExperiment(r: ExperimentRow, tags: readonly KeyValue[]): ExperimentRecord {
  return {
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location,
    lifecycleStage: r.lifecycle_stage as ExperimentRecord['lifecycleStage'],
    creationTime: Number(r.creation_time),
    lastUpdateTime: Number(r.last_update_time),
    tags,
  };
}

export function toRunInfo(r: RunRow): RunInfoRecord {
  return {
    runId: r.run_id,
    experimentId: String(r.experiment_id),
    runName: r.run_name,
    userId: r.user_id,
    status: r.status as RunInfoRecord['status'],
    startTime: Number(r.start_time),
    ...(r.end_time === null || r.end_time === undefined ? {} : { endTime: Number(r.end_time) }),
    lifecycleStage: r.lifecycle_stage as RunInfoRecord['lifecycleStage'],
    artifactUri: r.artifact_uri,
    ...(r.deleted_time === null || r.deleted_time === undefined ? {} : { deletedTime: Number(r.deleted_time) }),
  };
}

export function toMetric(r: MetricRow): MetricPoint {
  return { key: r.key, value: Number(r.is_nan) ? NaN : Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step) };
}

/** NaN cannot be stored in a REAL column everywhere (SQLite turns it into NULL): keep 0 and a flag. */
export function storedValue(v: number): { value: number; is_nan: number } {
  return Number.isNaN(v) ? { value: 0, is_nan: 1 } : { value: v, is_nan: 0 };
}

export interface InputRow {
  run_id: string;
  tags: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export function toInput(r: InputRow): DatasetInputRecord {
  return {
    dataset: {
      name: r.name,
      digest: r.digest,
      sourceType: r.source_type,
      source: r.source,
      ...(r.schema === null ? {} : { schema: r.schema }),
      ...(r.profile === null ? {} : { profile: r.profile }),
    },
    tags: JSON.parse(r.tags) as KeyValue[],
  };
}

export const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The last value of each key wins, as MLflow does for tags in one request. */
export function dedupe(kvs: readonly KeyValue[]): KeyValue[] {
  const m = new Map<string, string>();
  for (const t of kvs) m.set(t.key, t.value);
  return [...m].map(([key, value]) => ({ key, value })).sort(byKey);
}
